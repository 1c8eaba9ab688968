//! The quickstart of Adobe's Python SDK README: create, run `python --version` with streamed output, destroy.
//! Run: `cargo run --example quickstart` with __OW_API_HOST / __OW_NAMESPACE / __OW_API_KEY set.
use aotsandbox::{Client, CreateOptions, Sandbox, Size, Stream};
use std::time::Duration;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::from_env()?;
    let sb = Sandbox::create(
        &client,
        &CreateOptions {
            name: Some("my-sandbox".into()),
            size: Size::Small,
            ..Default::default()
        },
        Some(Duration::from_secs(60)),
    )?;
    let printer = Box::new(|stream: Stream, bytes: &[u8]| match stream {
        Stream::Stdout => print!("{}", String::from_utf8_lossy(bytes)),
        Stream::Stderr => eprint!("{}", String::from_utf8_lossy(bytes)),
    });
    let out = sb.exec_with(
        "python --version 2>&1",
        None,
        Some(printer),
        None,
        Some(Duration::from_secs(10)),
    )?;
    println!("exit code {:?}", out.exit.code);
    sb.destroy(Some(Duration::from_secs(30)))?;
    Ok(())
}
