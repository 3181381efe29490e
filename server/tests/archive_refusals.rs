//! The archive's refusals: hostile uploads, each refused in words with nothing kept; a
//! recording too large after its first part; deletions by anyone but a reviewer.

mod support;

use serde_json::Value;
use support::{files, keep_conversation, refused_config, start, upload, wav, Request, ID};

#[tokio::test]
async fn hostile_uploads_are_refused_in_words_and_nothing_is_kept() {
    let (server, archive) = start("hostile", &[("PASSCODE", "open-sesame")]).await;
    let pass = [("x-passcode", "open-sesame")];
    let audio = wav(2_400);
    let too_big = wav(600_000); // 1.2 MB against 1 MB
    let streamed_too_big = {
        let pieces: Vec<Result<Vec<u8>, std::io::Error>> =
            too_big.chunks(64_000).map(|c| Ok(c.to_vec())).collect();
        reqwest::Body::wrap_stream(futures_util::stream::iter(pieces))
    };
    let a = |id: &str, file: &str| format!("/api/archive/{id}/{file}");
    let cases: Vec<(&str, u16, Request, &str)> = vec![
        (
            "no passcode",
            401,
            (
                a(ID, "audio.wav"),
                "audio/wav",
                audio.clone().into(),
                vec![],
            ),
            "This server needs its passcode to keep conversations (ask whoever runs it).",
        ),
        (
            "another page's origin",
            403,
            (
                a(ID, "audio.wav"),
                "audio/wav",
                audio.clone().into(),
                vec![("origin", "https://evil.example"), pass[0]],
            ),
            "Pages from https://evil.example may not ask this server to keep conversations.",
        ),
        (
            "a path in the id",
            400,
            (
                a("..%2F..%2Fetc", "audio.wav"),
                "audio/wav",
                audio.clone().into(),
                pass.to_vec(),
            ),
            "A conversation's id is 8 to 80 letters, digits and dashes.",
        ),
        (
            "dots in the id",
            400,
            (
                a("conversation.2026", "audio.wav"),
                "audio/wav",
                audio.clone().into(),
                pass.to_vec(),
            ),
            "A conversation's id is 8 to 80 letters, digits and dashes.",
        ),
        (
            "another file name",
            404,
            (
                a(ID, "passwd"),
                "audio/wav",
                audio.clone().into(),
                pass.to_vec(),
            ),
            "A conversation has audio.wav and record.json, not \"passwd\".",
        ),
        (
            "the wrong type",
            415,
            (
                a(ID, "audio.wav"),
                "text/html",
                audio.clone().into(),
                pass.to_vec(),
            ),
            "audio.wav is sent as audio/wav, not \"text/html\".",
        ),
        (
            "not a WAV",
            422,
            (
                a(ID, "audio.wav"),
                "audio/wav",
                b"<html>not audio at all</html>".to_vec().into(),
                pass.to_vec(),
            ),
            "audio.wav is not a WAV file (it must start with RIFF....WAVE).",
        ),
        (
            "an empty file",
            422,
            (
                a(ID, "audio.wav"),
                "audio/wav",
                Vec::new().into(),
                pass.to_vec(),
            ),
            "audio.wav is not a WAV file (it must start with RIFF....WAVE).",
        ),
        (
            "too large, said",
            413,
            (
                a(ID, "audio.wav"),
                "audio/wav",
                too_big.clone().into(),
                pass.to_vec(),
            ),
            "audio.wav is larger than this server keeps (1048576 bytes at most).",
        ),
        (
            "too large, streamed",
            413,
            (
                a(ID, "audio.wav"),
                "audio/wav",
                streamed_too_big,
                pass.to_vec(),
            ),
            "audio.wav is larger than this server keeps (1048576 bytes at most).",
        ),
        (
            "a record that is not JSON",
            422,
            (
                a(ID, "record.json"),
                "application/json",
                "{ not json".into(),
                pass.to_vec(),
            ),
            "record.json is not a conversation's record: ",
        ),
        (
            "another schema",
            422,
            (
                a(ID, "record.json"),
                "application/json",
                r#"{"schema": "other", "version": 1}"#.into(),
                pass.to_vec(),
            ),
            "record.json is not a conversation's record: ",
        ),
    ];
    let mut seen = Vec::new();
    for (what, want, (path, kind, body, headers), words) in cases {
        let (status, answer) = upload(server, &path, kind, body, &headers).await;
        let error = answer["error"].as_str().unwrap_or("").to_owned();
        let ok = status == want && error.starts_with(words);
        seen.push(format!(
            "{what}: {status} {error}{}",
            if ok { "" } else { "  <-- expected" }
        ));
    }
    assert!(
        seen.iter().all(|s| !s.ends_with("<-- expected")),
        "{seen:#?}"
    );
    assert_eq!(files(&archive), Vec::<String>::new(), "{seen:#?}");
}

/// Past the store's first part (10 MB buffered, then a multipart upload to a staging file):
/// a recording that turns out too large is aborted, its staging file removed.
#[tokio::test]
async fn a_recording_too_large_after_its_first_part_leaves_nothing() {
    let (server, archive) = start("abort", &[("ARCHIVE_MAX_MB", "12")]).await;
    let audio = wav(6_600_000); // 13.2 MB
    let pieces: Vec<Result<Vec<u8>, std::io::Error>> =
        audio.chunks(256_000).map(|c| Ok(c.to_vec())).collect();
    let body = reqwest::Body::wrap_stream(futures_util::stream::iter(pieces));
    let path = format!("/api/archive/{ID}/audio.wav");
    let (status, answer) = upload(server, &path, "audio/wav", body, &[]).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (
            413,
            Some("audio.wav is larger than this server keeps (12582912 bytes at most).")
        )
    );
    assert_eq!(files(&archive), Vec::<String>::new());
}

/// A reviewer (named in `REVIEWERS`, identified by the proxy's header) deletes a kept
/// conversation, both files; anyone else is refused in words and nothing goes.
#[tokio::test]
async fn a_reviewer_deletes_a_conversation_and_nobody_else_can() {
    let (server, archive) = start(
        "delete",
        &[
            ("IDENTITY_HEADER", "x-user"),
            ("REVIEWERS", "rita@example.com, sam@example.com"),
        ],
    )
    .await;
    let pat = [("x-user", "pat@example.com")];
    keep_conversation(server, &pat).await;
    let delete = |id: &str, user: Option<&str>| {
        let mut request =
            reqwest::Client::new().delete(format!("http://{server}/api/archive/{id}"));
        if let Some(user) = user {
            request = request.header("x-user", user);
        }
        async move {
            let reply = request.send().await.unwrap();
            let status = reply.status().as_u16();
            (status, reply.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let error = |v: &Value| v["error"].as_str().unwrap_or("").to_owned();
    let (status, answer) = delete(ID, None).await;
    assert_eq!(
        (status, error(&answer).as_str()),
        (401, "Sign in first: this server will review conversations only for people its proxy has identified.")
    );
    let (status, answer) = delete(ID, Some("pat@example.com")).await;
    assert_eq!(
        (status, error(&answer).as_str()),
        (
            403,
            "pat@example.com is not one of this server's reviewers."
        )
    );
    let (status, answer) = delete("..%2Fetc%2Fpasswd", Some("rita@example.com")).await;
    assert_eq!(
        (status, error(&answer).as_str()),
        (
            400,
            "A conversation's id is 8 to 80 letters, digits and dashes."
        )
    );
    assert_eq!(files(&archive).len(), 3);
    let (status, answer) = delete(ID, Some("rita@example.com")).await;
    assert_eq!((status, answer["deleted"].as_u64()), (200, Some(3)));
    assert_eq!(files(&archive), Vec::<String>::new());
    let (status, answer) = delete(ID, Some("sam@example.com")).await;
    assert_eq!(
        (status, error(&answer)),
        (404, format!("No conversation {ID} is kept here."))
    );
    // Reviewers named with no identity to know them by: the server does not start.
    let why = refused_config(&[("REVIEWERS", "rita@example.com")]);
    assert_eq!(
        why,
        "REVIEWERS names people by the identity a proxy vouches for: set IDENTITY_HEADER too."
    );
}
