//! Requests to the server that serves the page (the token server's `/api/token` and
//! `/api/archive`), through the browser's `fetch`.

use super::js_error;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, Headers, RequestInit, Response};

/// `method` `url` with `body` (sent as its own type) and `headers` (an empty value is left
/// out): the answer's status and its JSON (read by the browser's `JSON.parse`; `None` when
/// it is not JSON), or why there was no answer.
pub async fn request(
    method: &str,
    url: &str,
    body: Option<&Blob>,
    headers: &[(&str, &str)],
) -> Result<(u16, Option<JsValue>), String> {
    let window = web_sys::window().ok_or("no window")?;
    let init = RequestInit::new();
    init.set_method(method);
    let sent = Headers::new().map_err(js_error)?;
    if let Some(body) = body {
        init.set_body(body);
        sent.set("content-type", &body.type_()).map_err(js_error)?;
    }
    for (name, value) in headers.iter().filter(|(_, value)| !value.is_empty()) {
        sent.set(name, value).map_err(js_error)?;
    }
    init.set_headers(&sent);
    let response: Response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(js_error)?
        .dyn_into()
        .map_err(|_| "not a response")?;
    let text = JsFuture::from(response.text().map_err(js_error)?)
        .await
        .map_err(js_error)?;
    let json = js_sys::JSON::parse(&text.as_string().unwrap_or_default()).ok();
    Ok((response.status(), json))
}
