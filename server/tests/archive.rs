//! The team's archive: a finished conversation's `audio.wav` and `record.json` kept under its
//! id in a local directory (object_store), the same bytes on disk; an upload repeated is the
//! same file; a long recording streamed in pieces; the terms a page shows; the retention.

mod support;

use serde_json::Value;
use support::{files, keep_conversation, refused_config, start, upload, wav, ID, RECORD};

#[tokio::test]
async fn a_conversation_is_kept_byte_for_byte_under_its_id_and_again_the_same() {
    let (server, archive) = start("kept", &[]).await;
    let audio = wav(24_000);
    let path = format!("/api/archive/{ID}/audio.wav");
    let (status, answer) = upload(server, &path, "audio/wav", audio.clone(), &[]).await;
    assert_eq!(
        (status, answer["bytes"].as_u64()),
        (200, Some(audio.len() as u64))
    );
    let path = format!("/api/archive/{ID}/record.json");
    let (status, _) = upload(server, &path, "application/json", RECORD, &[]).await;
    assert_eq!(status, 200);
    // Again: the same file, not a second one.
    let path = format!("/api/archive/{ID}/audio.wav");
    let (status, _) = upload(server, &path, "audio/wav", audio.clone(), &[]).await;
    assert_eq!(status, 200);
    // Beside them the summary a reviewer's listing shows (server/src/catalog.rs).
    assert_eq!(
        files(&archive),
        [
            format!("{ID}/audio.wav"),
            format!("{ID}/record.json"),
            format!("{ID}/summary.json")
        ]
    );
    assert_eq!(
        std::fs::read(archive.join(ID).join("audio.wav")).unwrap(),
        audio
    );
    assert_eq!(
        std::fs::read_to_string(archive.join(ID).join("record.json")).unwrap(),
        RECORD
    );
}

#[tokio::test]
async fn a_recording_sent_in_pieces_is_streamed_to_the_store_whole() {
    let (server, archive) = start("pieces", &[]).await;
    let audio = wav(400_000); // 800 kB, in 100 pieces of 8 kB
    let pieces: Vec<Result<Vec<u8>, std::io::Error>> =
        audio.chunks(8_000).map(|c| Ok(c.to_vec())).collect();
    let body = reqwest::Body::wrap_stream(futures_util::stream::iter(pieces));
    let path = format!("/api/archive/{ID}/audio.wav");
    let (status, answer) = upload(server, &path, "audio/wav", body, &[]).await;
    assert_eq!(
        (status, answer["bytes"].as_u64()),
        (200, Some(audio.len() as u64))
    );
    assert_eq!(
        std::fs::read(archive.join(ID).join("audio.wav")).unwrap(),
        audio
    );
}

#[tokio::test]
async fn a_server_without_an_archive_says_so() {
    let (server, _) = start("off", &[("ARCHIVE_DIR", "")]).await;
    let path = format!("/api/archive/{ID}/audio.wav");
    let (status, answer) = upload(server, &path, "audio/wav", wav(100), &[]).await;
    let off =
        Some("This server keeps no conversations (neither ARCHIVE_DIR nor ARCHIVE_URL is set).");
    assert_eq!((status, answer["error"].as_str()), (404, off));
    let terms = reqwest::get(format!("http://{server}/api/archive"))
        .await
        .unwrap();
    assert_eq!(terms.status().as_u16(), 404);
    let terms: Value = terms.json().await.unwrap();
    assert_eq!(terms["error"].as_str(), off);
}

/// What the page tells each person before they talk: who keeps it, for how long.
#[tokio::test]
async fn the_terms_say_who_keeps_a_conversation_and_for_how_long() {
    let (server, _) = start("terms", &[]).await;
    let terms = reqwest::get(format!("http://{server}/api/archive"))
        .await
        .unwrap();
    assert_eq!(terms.status().as_u16(), 200);
    let terms: Value = terms.json().await.unwrap();
    assert_eq!(
        terms,
        serde_json::json!({"organisation": "Example Support Ltd", "days": 30})
    );
    // Archiving with nobody named to keep it does not start.
    let why = refused_config(&[("ARCHIVE_DIR", "/tmp/x")]);
    assert_eq!(
        why,
        "ARCHIVE_ORGANISATION must say who keeps the conversations: each person is told before they talk."
    );
}

/// The retention: files kept longer than the days are removed, younger ones stay.
#[tokio::test]
async fn conversations_older_than_the_retention_are_removed() {
    use object_store::local::LocalFileSystem;
    let (server, archive) = start("retention", &[]).await;
    keep_conversation(server, &[]).await;
    let store = LocalFileSystem::new_with_prefix(&archive).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let day = 86_400;
    let swept = live_token_server::archive::sweep(&store, now + 29 * day, 30).await;
    assert_eq!((swept, files(&archive).len()), (Ok(0), 3));
    let swept = live_token_server::archive::sweep(&store, now + 31 * day, 30).await;
    assert_eq!((swept, files(&archive).len()), (Ok(3), 0));
}
