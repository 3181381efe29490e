//! A microphone lost mid-conversation: the system's default takes over, once in a while.

use super::*;
use crate::conversation::mic::REOPEN_LOST_AFTER_S;

const LOST: &str = "The microphone stopped (unplugged, switched, or taken by the system). Opening the system's default microphone: the conversation goes on.";

fn lost(id: u32) -> Event {
    Event::MicLost { id }
}

#[test]
fn a_lost_microphone_is_replaced_by_the_system_default_and_the_stream_goes_on() {
    let mut c = listening();
    c.handle(5.0, chunk(1, 2048, 1.0));
    assert_eq!(
        c.handle(10.0, lost(1)),
        vec![
            Effect::CloseMic { id: 1 },
            log(LogKind::Warn, LOST),
            Effect::OpenMic {
                id: 2,
                system_default: true
            },
            view(
                "starting",
                "Starting the microphone...",
                [false, true, false, false],
                [false, true, true]
            ),
        ]
    );
    assert_eq!(
        c.handle(
            10.4,
            Event::MicOpened {
                id: 2,
                result: Ok(16_000.0)
            }
        ),
        vec![
            log(
                LogKind::Info,
                "Microphone on (16000 Hz device rate, sent as 16 kHz)"
            ),
            view(
                "listening",
                LISTENING,
                [false, true, false, true],
                [true, true, true]
            ),
        ]
    );
    // The new microphone's audio goes to the model; the lost one's is not taken.
    assert_eq!(
        c.handle(11.0, chunk(2, 2048, 7.0)),
        vec![Effect::MicAudio {
            samples: vec![7; 2048],
            time: 7.0,
            send: true
        }]
    );
    assert_eq!(c.handle(11.1, chunk(1, 2048, 7.1)), vec![]);
}

#[test]
fn a_microphone_lost_again_within_10_s_ends_in_words_and_later_is_replaced_again() {
    let mut c = listening();
    c.handle(10.0, lost(1));
    c.handle(
        10.4,
        Event::MicOpened {
            id: 2,
            result: Ok(48_000.0),
        },
    );
    let why = "The microphone stopped (unplugged or switched off). The recording so far is kept; press Start Mic to go on.";
    assert_eq!(
        c.handle(19.9, lost(2)),
        vec![
            Effect::CloseMic { id: 2 },
            Effect::SendStreamEnd,
            log(LogKind::Error, why),
            mic_refused(why),
        ]
    );
    // The person's own Start Mic; a loss 10 s after the page's last reopen is replaced.
    c.handle(21.0, Event::StartMic);
    c.handle(
        21.5,
        Event::MicOpened {
            id: 3,
            result: Ok(48_000.0),
        },
    );
    let effects = c.handle(20.0 + REOPEN_LOST_AFTER_S, lost(3));
    assert_eq!(
        effects[..3],
        [
            Effect::CloseMic { id: 3 },
            log(LogKind::Warn, LOST),
            Effect::OpenMic {
                id: 4,
                system_default: true
            }
        ]
    );
}

#[test]
fn a_default_microphone_that_cannot_open_says_why() {
    let mut c = listening();
    c.handle(10.0, lost(1));
    let why = "No microphone was found. Connect one, then press Start Mic again.";
    assert_eq!(
        c.handle(
            10.3,
            Event::MicOpened {
                id: 2,
                result: Err(why.into())
            }
        ),
        vec![log(LogKind::Error, why), mic_refused(why)]
    );
}

#[test]
fn push_to_talk_ends_the_held_turn_with_the_lost_microphone() {
    let mut c = Conversation::default();
    c.handle(0.0, Event::Connect(offline_plan(true)));
    c.handle(1.0, Event::AudioReady);
    c.handle(2.0, Event::Opened(Ok(())));
    c.handle(3.0, Event::Hold);
    c.handle(
        3.5,
        Event::MicOpened {
            id: 1,
            result: Ok(48_000.0),
        },
    );
    let effects = c.handle(5.0, lost(1));
    assert_eq!(
        effects
            .iter()
            .filter(|e| matches!(e, Effect::SendActivity { .. } | Effect::OpenMic { .. }))
            .collect::<Vec<_>>(),
        vec![
            &Effect::SendActivity { start: false },
            &Effect::OpenMic {
                id: 2,
                system_default: true
            }
        ]
    );
}
