use super::*;

fn terms(organisation: &str, days: u64) -> Terms {
    Terms {
        organisation: organisation.into(),
        days,
    }
}

#[test]
fn the_servers_answer_is_terms_none_or_a_reason() {
    assert_eq!(
        Terms::from_answer(200, Some(terms("Acme QA", 30))),
        Ok(Some(terms("Acme QA", 30)))
    );
    assert_eq!(Terms::from_answer(404, None), Ok(None));
    assert_eq!(
        Terms::from_answer(200, None),
        Err("the server's answer names no organisation and no days".into())
    );
    assert_eq!(
        Terms::from_answer(200, Some(terms("  ", 30))),
        Err("the server's answer names no organisation and no days".into())
    );
    assert_eq!(
        Terms::from_answer(200, Some(terms("Acme", 0))),
        Err("the server's answer names no organisation and no days".into())
    );
    assert_eq!(
        Terms::from_answer(503, None),
        Err("the server answered HTTP 503".into())
    );
    assert_eq!(
        Terms::from_answer(0, None),
        Err("the server answered HTTP 0".into())
    );
}

#[test]
fn the_line_names_who_keeps_it_and_for_how_long() {
    assert_eq!(
        terms("Acme QA", 30).line(),
        "This conversation is recorded and kept by Acme QA for 30 days."
    );
    assert_eq!(
        terms(" Acme ", 1).line(),
        "This conversation is recorded and kept by Acme for 1 day."
    );
}

#[test]
fn only_no_answer_a_timeout_429_and_server_trouble_are_retried() {
    for status in [408, 429, 500, 502, 503, 504, 599] {
        assert!(Outcome::Status(status).worth_retrying(), "{status}");
    }
    for status in [200, 400, 401, 403, 404, 413, 415, 422, 600] {
        assert!(!Outcome::Status(status).worth_retrying(), "{status}");
    }
    assert!(Outcome::Unreached.worth_retrying());
    assert!(!Outcome::Kept.worth_retrying());
}

#[test]
fn five_tries_in_half_a_minute_then_none() {
    let waits: Vec<Option<u32>> = (1..=5)
        .map(|tried| retry_after(tried, Outcome::Status(503)))
        .collect();
    assert_eq!(
        waits,
        [Some(1_000), Some(3_000), Some(8_000), Some(20_000), None]
    );
    assert_eq!(retry_after(1, Outcome::Unreached), Some(1_000));
    assert_eq!(retry_after(1, Outcome::Status(413)), None);
    assert_eq!(retry_after(1, Outcome::Kept), None);
    assert_eq!(retry_after(0, Outcome::Unreached), None);
}

#[test]
fn an_id_is_the_recordings_name_and_eight_hex_digits() {
    let name = "conversation-2026-12-07-09-01-59-stereo.wav";
    assert_eq!(
        conversation_id(name, 0.0),
        "conversation-2026-12-07-09-01-59-stereo-00000000"
    );
    assert_eq!(
        conversation_id(name, 0.5),
        "conversation-2026-12-07-09-01-59-stereo-7fffffff"
    );
    assert_eq!(
        conversation_id("conversation-2026-12-07-09-01-59", 0.999_999_999_9),
        "conversation-2026-12-07-09-01-59-fffffffe"
    );
    // What the server accepts: 8 to 80 letters, digits and dashes.
    let id = conversation_id(name, 0.25);
    assert!(id.len() <= 80 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
}
