//! The team's archive on an S3 API (`ARCHIVE_URL=s3://bucket/prefix`), against a real one:
//! s3s-fs, s3s's reference implementation of the S3 REST API over a temporary directory,
//! served by hyper in the test (no mock of object_store: the server signs and sends real S3
//! requests, single and multipart). Chosen over MinIO or moto's server because it is a crate
//! the tests build and start themselves, with nothing to install or download.

mod support;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder as ConnBuilder;
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;
use serde_json::Value;
use std::path::PathBuf;
use support::{files, keep_conversation, start, upload, wav, ID, RECORD};

const BUCKET: &str = "team-archive";
const KEY_ID: &str = "archive-test-key-id";
const SECRET: &str = "archive-test-secret";

/// An S3 API on a fresh directory (the bucket is a folder in it): its endpoint and the
/// directory.
async fn s3(name: &str) -> (String, PathBuf) {
    let root = std::env::temp_dir().join(format!("archive-s3-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join(BUCKET)).unwrap();
    let mut builder = S3ServiceBuilder::new(s3s_fs::FileSystem::new(&root).unwrap());
    builder.set_auth(SimpleAuth::from_single(KEY_ID, SECRET));
    let service = builder.build();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let service = service.clone();
            tokio::spawn(async move {
                let connection = ConnBuilder::new(TokioExecutor::new());
                let _ = connection
                    .serve_connection(TokioIo::new(socket), service)
                    .await;
            });
        }
    });
    (endpoint, root)
}

/// The token server archiving to `s3://team-archive/conversations` on `endpoint`, with
/// `more` settings: its address.
async fn server_on(name: &str, endpoint: &str, more: &[(&str, &str)]) -> std::net::SocketAddr {
    let url = format!("s3://{BUCKET}/conversations");
    let mut vars = vec![
        ("ARCHIVE_URL", url.as_str()),
        ("AWS_ENDPOINT", endpoint),
        ("AWS_ALLOW_HTTP", "true"),
        ("AWS_ACCESS_KEY_ID", KEY_ID),
        ("AWS_SECRET_ACCESS_KEY", SECRET),
        ("AWS_REGION", "us-east-1"),
    ];
    vars.extend_from_slice(more);
    start(name, &vars).await.0
}

/// What the bucket holds under the prefix, and what else is in the S3 API's directory
/// besides the notes s3s-fs keeps for each object it has seen (`.bucket-*.object-*.json`,
/// left even after the object is deleted): an unfinished multipart upload's parts and notes
/// (`.upload*`) would be there.
fn kept(root: &std::path::Path) -> (Vec<String>, Vec<String>) {
    let all = files(root);
    let prefix = format!("{BUCKET}/conversations/");
    let (objects, other): (Vec<String>, Vec<String>) =
        all.into_iter().partition(|f| f.starts_with(&prefix));
    let objects: Vec<String> = objects
        .iter()
        .map(|f| f[prefix.len()..].to_owned())
        .collect();
    let other = other
        .into_iter()
        .filter(|f| !f.starts_with(".bucket-"))
        .collect();
    (objects, other)
}

#[tokio::test]
async fn a_conversation_is_kept_in_the_bucket_byte_for_byte_and_again_the_same() {
    let (endpoint, root) = s3("kept").await;
    let server = server_on("s3-kept", &endpoint, &[]).await;
    let audio = wav(24_000);
    let path = format!("/api/archive/{ID}/audio.wav");
    let (status, answer) = upload(server, &path, "audio/wav", audio.clone(), &[]).await;
    assert_eq!(
        (status, answer["bytes"].as_u64()),
        (200, Some(audio.len() as u64))
    );
    let path = format!("/api/archive/{ID}/record.json");
    assert_eq!(
        upload(server, &path, "application/json", RECORD, &[])
            .await
            .0,
        200
    );
    let path = format!("/api/archive/{ID}/audio.wav");
    assert_eq!(
        upload(server, &path, "audio/wav", audio.clone(), &[])
            .await
            .0,
        200
    );
    let (objects, other) = kept(&root);
    assert_eq!(
        objects,
        [
            format!("{ID}/audio.wav"),
            format!("{ID}/record.json"),
            format!("{ID}/summary.json")
        ]
    );
    assert_eq!(other, Vec::<String>::new());
    let object = root.join(BUCKET).join("conversations").join(ID);
    assert_eq!(std::fs::read(object.join("audio.wav")).unwrap(), audio);
    assert_eq!(
        std::fs::read_to_string(object.join("record.json")).unwrap(),
        RECORD
    );
}

/// 11.5 MB streamed in 8 kB pieces goes up as a multipart upload (the store's parts are
/// 10 MB) and is kept whole; 13.2 MB past a 12 MB limit is refused after its first part and
/// leaves nothing: no object, no part.
#[tokio::test]
async fn a_long_recording_goes_up_in_parts_and_a_refused_one_leaves_no_part() {
    let (endpoint, root) = s3("parts").await;
    let server = server_on("s3-parts", &endpoint, &[("ARCHIVE_MAX_MB", "12")]).await;
    let streamed = |audio: &[u8]| {
        let pieces: Vec<Result<Vec<u8>, std::io::Error>> =
            audio.chunks(8_000).map(|c| Ok(c.to_vec())).collect();
        reqwest::Body::wrap_stream(futures_util::stream::iter(pieces))
    };
    let audio = wav(5_750_000);
    let path = format!("/api/archive/{ID}/audio.wav");
    let (status, answer) = upload(server, &path, "audio/wav", streamed(&audio), &[]).await;
    assert_eq!(
        (status, answer["bytes"].as_u64()),
        (200, Some(audio.len() as u64))
    );
    let object = root.join(BUCKET).join("conversations").join(ID);
    assert_eq!(std::fs::read(object.join("audio.wav")).unwrap(), audio);

    let other = "conversation-2026-12-07-06-00-00";
    let path = format!("/api/archive/{other}/audio.wav");
    let (status, answer) = upload(server, &path, "audio/wav", streamed(&wav(6_600_000)), &[]).await;
    assert_eq!(status, 413, "{answer}");
    let (objects, other_files) = kept(&root);
    assert_eq!(objects, [format!("{ID}/audio.wav")]);
    assert_eq!(other_files, Vec::<String>::new());
}

#[tokio::test]
async fn a_reviewer_reads_by_range_and_deletes_a_conversation_in_the_bucket() {
    let (endpoint, root) = s3("delete").await;
    let more = [
        ("IDENTITY_HEADER", "x-user"),
        ("REVIEWERS", "rita@example.com"),
    ];
    let server = server_on("s3-delete", &endpoint, &more).await;
    keep_conversation(server, &[("x-user", "pat@example.com")]).await;
    assert_eq!(kept(&root).0.len(), 3);
    // Read by a range first, as the review's player asks (an S3 ranged GET behind it).
    let reply = reqwest::Client::new()
        .get(format!("http://{server}/api/archive/{ID}/audio.wav"))
        .header("x-user", "rita@example.com")
        .header("range", "bytes=40-47")
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status().as_u16(), 206);
    assert_eq!(
        reply.bytes().await.unwrap().to_vec(),
        wav(2_400)[40..48].to_vec()
    );
    let reply = reqwest::Client::new()
        .delete(format!("http://{server}/api/archive/{ID}"))
        .header("x-user", "rita@example.com")
        .send()
        .await
        .unwrap();
    let status = reply.status().as_u16();
    let answer: Value = reply.json().await.unwrap();
    assert_eq!((status, answer["deleted"].as_u64()), (200, Some(3)));
    assert_eq!(kept(&root).0, Vec::<String>::new());
}

#[tokio::test]
async fn an_archive_url_that_is_not_a_bucket_is_refused_in_words() {
    let why = support::refused_config(&[
        ("ARCHIVE_URL", "https://example.com/bucket"),
        ("ARCHIVE_ORGANISATION", "Acme QA"),
    ]);
    assert_eq!(
        why,
        "ARCHIVE_URL must be s3://bucket/prefix or gs://bucket/prefix, not \"https://example.com/bucket\"."
    );
    let why = support::refused_config(&[
        ("ARCHIVE_URL", "s3://bucket"),
        ("ARCHIVE_DIR", "/tmp/archive"),
        ("ARCHIVE_ORGANISATION", "Acme QA"),
    ]);
    assert_eq!(
        why,
        "Set ARCHIVE_DIR or ARCHIVE_URL, not both: the archive is in one place."
    );
    let why = support::refused_config(&[("ARCHIVE_URL", "s3://bucket")]);
    assert!(
        why.starts_with("ARCHIVE_ORGANISATION must say who keeps"),
        "{why}"
    );
}
