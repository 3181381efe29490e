// Ticks for the offline stand-in's reply pacing (src/web/standin.rs). A page in a background
// tab has its timers throttled to once a second; a dedicated worker's are not, so a reply
// played there keeps pace. The page sends the interval in ms (0 stops), and gets an empty
// message per tick.
let timer;
onmessage = ({ data }) => {
  clearInterval(timer);
  if (data > 0) timer = setInterval(() => postMessage(0), data);
};
