//! The app's function calls and mid-conversation settings: answering calls (at once or on a
//! timer), their cards, cancellations, and a new instruction or tools mid-conversation.

use super::{App, WeakApp};
use crate::conversation::{Event, Link, LogKind};
use crate::dom::Id;
use crate::protocol::{models, ClientMessage, FunctionCall};
use crate::settings::MidSession;
use crate::web::{settings, tools};

impl App {
    /// The model's calls: answered at once, or on a timer for a declared delay; their cards.
    pub(super) fn answer_tools(&mut self, weak: WeakApp, calls: &[FunctionCall]) -> Option<()> {
        let connection = self.connection.as_ref()?;
        let scheduling = models::lookup(&connection.setup.model).scheduling;
        let due = move |id: String| {
            if let Some(app) = weak.upgrade() {
                app.borrow_mut().tool_due(&id);
            }
        };
        let (cards, lines) = tools::answer(
            &connection.toolbox,
            &mut self.notes,
            calls,
            &self.session,
            scheduling,
            &mut self.running,
            due,
        );
        for card in cards {
            self.recording.tool_card(&card);
            self.page.call_card(&card.id, &card.words);
        }
        for (kind, line) in lines {
            self.page.log(kind, &line);
        }
        Some(())
    }

    /// `toolCallCancellation`: the named calls' timers are dropped, their cards say so.
    pub(super) fn cancel_tools(&mut self, ids: &[String]) {
        for card in self.running.cancel(ids) {
            self.recording.tool_card(&card);
            self.page.call_card(&card.id, &card.words);
            self.page.log(LogKind::Info, &card.words);
        }
    }

    /// Settings closed: kept for the next visit; in a live conversation a new instruction or
    /// new tools go to the model at once: as `contextUpdate` where it takes that, otherwise
    /// by resuming the conversation on a new connection (the event returned).
    pub(super) fn settings_closed(&mut self) -> Option<Event> {
        settings::remember(&self.page);
        let (Link::Live { .. }, Some(current)) = (self.conv.link(), &self.connection) else {
            return None;
        };
        match current.update(&settings::read(&self.page)) {
            Ok(MidSession::Unchanged) => {}
            Ok(MidSession::Resume(connection)) => {
                // Every later connection of this conversation carries the new setup.
                self.connection = Some(*connection);
                return Some(Event::Renew);
            }
            Ok(MidSession::Update {
                message,
                connection,
            }) => match self.session.send_message(&message) {
                Ok(()) => {
                    let sent = ClientMessage::Setup(connection.setup.clone()).to_json();
                    self.page.set_text(Id::SetupSent, &sent);
                    self.connection = Some(*connection);
                    self.page.log(
                        LogKind::Info,
                        "The instruction and tools changed for this conversation (contextUpdate sent, no reconnect).",
                    );
                }
                Err(e) => self.page.log(LogKind::Warn, &format!("Not changed: {e}")),
            },
            Err(why) => self.page.log(LogKind::Warn, &format!("Not changed: {why}")),
        }
        None
    }

    /// A running call's answer is due: it goes out, and its card says so.
    pub(super) fn tool_due(&mut self, id: &str) {
        if let Some((card, kind, line)) = self.running.due(id, &self.session) {
            self.recording.tool_card(&card);
            self.page.call_card(&card.id, &card.words);
            self.page.log(kind, &line);
        }
    }
}
