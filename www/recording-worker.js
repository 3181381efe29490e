// Keeps conversation recordings in the Origin Private File System, written as they are
// rendered, so a Save hands over the stored file and a crashed or closed tab loses at most
// the last second. A dedicated worker, because only workers get synchronous access handles
// (writes in place, durable on flush; a main-thread writable stream copies the whole file on
// every commit). The page (src/web/store.rs) sends requests with an `id` and gets one reply
// per request, in order; a failure replies `{error, name}` (e.g. QuotaExceededError).
const open = new Map(); // name -> { sah, size }
let root;
const dir = async () => (root ??= await navigator.storage.getDirectory());
const bytes = (buffer) => new Uint8Array(buffer);

const ops = {
  // A new recording: the provisional header, nothing else.
  async open({ name, header }) {
    const handle = await (await dir()).getFileHandle(name, { create: true });
    const sah = await handle.createSyncAccessHandle();
    sah.truncate(0);
    sah.write(bytes(header), { at: 0 });
    sah.flush();
    open.set(name, { sah, size: header.byteLength });
    return {};
  },
  // Rendered audio at the end, and the header that now describes the file.
  append({ name, data, header }) {
    const f = open.get(name);
    const written = f.sah.write(bytes(data), { at: f.size });
    if (written < data.byteLength) throw new DOMException('the disk is full', 'QuotaExceededError');
    f.size += written;
    f.sah.write(bytes(header), { at: 0 });
    f.sah.flush();
    return { size: f.size };
  },
  // The recording is complete: the last audio, the final header, and its final name (a
  // recording still named `*.part.wav` on the next visit is one whose tab died).
  async close({ name, data, header, rename }) {
    const f = open.get(name);
    if (data.byteLength) f.size += f.sah.write(bytes(data), { at: f.size });
    f.sah.write(bytes(header), { at: 0 });
    f.sah.flush();
    f.sah.close();
    open.delete(name);
    const handle = await (await dir()).getFileHandle(name);
    if (handle.move) await handle.move(rename);
    return {};
  },
  // Stored recordings (not the ones being written): name, size, time, the header's bytes.
  async list() {
    const list = [];
    for await (const [name, handle] of (await dir()).entries()) {
      if (handle.kind !== 'file' || !name.endsWith('.wav') || open.has(name)) continue;
      const file = await handle.getFile();
      const header = await file.slice(0, 44).arrayBuffer();
      list.push({ name, size: file.size, modified: file.lastModified, header });
    }
    list.sort((a, b) => b.modified - a.modified);
    return { list };
  },
  async file({ name }) {
    return { file: await (await (await dir()).getFileHandle(name)).getFile() };
  },
  async remove({ name }) {
    await (await dir()).removeEntry(name);
    return {};
  },
};

let queue = Promise.resolve();
onmessage = ({ data }) => {
  queue = queue.then(async () => {
    try {
      const { transfer = [], ...reply } = await ops[data.op](data);
      postMessage({ id: data.id, ...reply }, transfer);
    } catch (e) {
      postMessage({ id: data.id, error: `${e.name}: ${e.message}`, name: e.name });
    }
  });
};
