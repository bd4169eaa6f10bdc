//! Requests from the Worker (or one object) to a Durable Object, made with the
//! runtime's own `Request` and `Response` objects.
//!
//! Why not `worker`'s wrappers: in a burst of connections (profile in BENCHMARKS.md)
//! they were a large share of each connection's CPU. `worker::Response::text` reads a
//! body chunk by chunk through a stream reader into wasm; `worker::RequestInit` makes
//! a `Headers` object even when it is given one; every answer is taken apart into a
//! `worker::Response` and built again on its way out. Here a request is one JS
//! `Request`, an answer's body is read by the runtime's own `text()`, and a WebSocket
//! answer goes back to the client as the object it is.
//!
//! The URLs' hosts are never resolved: a stub delivers whatever it is given to its
//! object. Bodies are JSON without a `content-type`, since both ends are ours.

use serde::de::DeserializeOwned;
use worker::js_sys::Promise;
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::worker_sys::DurableObject as RuntimeStub;
use worker::{web_sys, ObjectNamespace};

/// One Durable Object, as the runtime's stub for it.
pub struct Hop(RuntimeStub);

/// An object's answer to [`Hop::get`] or [`Hop::post_json`].
pub struct Answer {
    pub status: u16,
    pub text: String,
}

impl Answer {
    /// The body as JSON.
    pub fn json<T: DeserializeOwned>(&self) -> worker::Result<T> {
        Ok(serde_json::from_str(&self.text)?)
    }
}

impl Hop {
    /// The object called `name` in `namespace`.
    pub fn to(namespace: &ObjectNamespace, name: &str) -> worker::Result<Hop> {
        Ok(Hop(namespace.get_by_name(name)?.into_rpc()))
    }

    /// `GET url`.
    pub async fn get(&self, url: &str) -> worker::Result<Answer> {
        read(self.0.fetch_with_str(url)?).await
    }

    /// `POST url` with `body` serialised as JSON.
    pub async fn post_json<B: serde::Serialize>(
        &self,
        url: &str,
        body: &B,
    ) -> worker::Result<Answer> {
        let init = web_sys::RequestInit::new();
        init.set_method("POST");
        init.set_body(&JsValue::from_str(&serde_json::to_string(body)?));
        let req = web_sys::Request::new_with_str_and_init(url, &init)?;
        read(self.0.fetch_with_request(&req)?).await
    }

    /// A WebSocket upgrade to `url`: the object's answer as it is (101 with the socket,
    /// or an error the caller may look at and pass on).
    pub async fn upgrade(&self, url: &str) -> worker::Result<web_sys::Response> {
        let headers = web_sys::Headers::new()?;
        headers.set("upgrade", "websocket")?;
        let init = web_sys::RequestInit::new();
        init.set_headers(&headers);
        let req = web_sys::Request::new_with_str_and_init(url, &init)?;
        answer(self.0.fetch_with_request(&req)?).await
    }
}

/// The body of an object's answer (one that is not a socket) as JSON.
pub async fn read_json<T: DeserializeOwned>(resp: web_sys::Response) -> worker::Result<T> {
    let text = JsFuture::from(resp.text()?).await?;
    Ok(serde_json::from_str(&text.as_string().unwrap_or_default())?)
}

/// The answer a stub's `fetch` promises.
async fn answer(promise: Promise) -> worker::Result<web_sys::Response> {
    Ok(JsFuture::from(promise).await?.dyn_into()?)
}

/// Status and body text of the answer a stub's `fetch` promises.
async fn read(promise: Promise) -> worker::Result<Answer> {
    let resp = answer(promise).await?;
    let text = JsFuture::from(resp.text()?).await?;
    Ok(Answer {
        status: resp.status(),
        text: text.as_string().unwrap_or_default(),
    })
}
