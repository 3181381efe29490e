//! Connect and the talk control: the form's settings (or, for "This server", a token the
//! server that serves the page mints first) start a conversation.

use super::{dispatch, settings, tools, Shared, WeakApp};
use crate::conversation::{Event, Link, LogKind, Plan};
use crate::dom::Id;
use crate::protocol::ClientMessage;
use crate::settings::Connection;
use std::rc::Rc;

/// Connect, or the talk control: from idle, the form's settings start a conversation (a
/// running one keeps its own; the talk control then only toggles).
pub(super) fn start_clicked(app: &Shared, talk: bool) {
    let a = app.borrow();
    let form = settings::read(&a.page);
    if *a.conv.link() == Link::Idle && form.from_server() {
        // A token from the server that serves the page, then the same start.
        a.page
            .log(LogKind::Info, "Asking this server for a token...");
        drop(a);
        let app = Rc::clone(app);
        wasm_bindgen_futures::spawn_local(async move {
            let (status, answer) = settings::mint(form.secret.trim()).await;
            start_with(&app, talk, Some(form.served(status, answer)));
        });
        return;
    }
    drop(a);
    start_with(app, talk, None);
}

/// The start with `made` (a connection from the server's token), or the form's.
fn start_with(app: &Shared, talk: bool, made: Option<Result<Connection, String>>) {
    let mut a = app.borrow_mut();
    if *a.conv.link() == Link::Idle {
        let made = made.unwrap_or_else(|| settings::connection(&a.page));
        match made {
            Ok(connection) => {
                // For people debugging: exactly what `setup` says (the key is never in it).
                let sent = ClientMessage::Setup(connection.setup.clone()).to_json();
                a.page.set_text(Id::SetupSent, &sent);
                a.connection = Some(connection);
                a.notes.clear();
                a.running = tools::Running::default();
            }
            Err(why) => {
                drop(a);
                return dispatch(app, Event::Invalid(why));
            }
        }
    }
    let Some(plan) = a.connection.as_ref().map(|c| Plan {
        target: c.target(),
        model: c.setup.model.clone(),
        push_to_talk: c.push_to_talk,
    }) else {
        return;
    };
    drop(a);
    dispatch(
        app,
        if talk {
            Event::Talk(plan)
        } else {
            Event::Connect(plan)
        },
    );
}

/// A later connection of a conversation whose token came from the server: a fresh token,
/// then the conversation opens the connection as every other (or why not, as the opening's
/// failure).
pub(super) async fn reopen(weak: WeakApp, passcode: String) {
    let (status, answer) = settings::mint(passcode.trim()).await;
    let Some(app) = weak.upgrade() else { return };
    let fresh = app
        .borrow()
        .connection
        .as_ref()
        .map(|c| c.with_fresh_token(status, answer));
    let event = match fresh {
        Some(Ok(connection)) => {
            let mut a = app.borrow_mut();
            a.connection = Some(connection);
            a.token_fresh = true;
            Event::TokenReady
        }
        Some(Err(why)) => Event::Opened(Err(crate::session::SessionError::Endpoint(why))),
        None => return,
    };
    dispatch(&app, event);
}
