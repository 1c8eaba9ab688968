//! The walkthrough of Adobe's Python SDK README through the safe API against a real service (credentials from __OW_* variables; the
//! repository's xunit test starts an emulator and runs `cargo test` with them). Without them this test fails.
use aotsandbox::*;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const T: Option<Duration> = Some(Duration::from_secs(20));

#[test]
fn walkthrough() {
    assert!(
        std::env::var("__OW_API_HOST").is_ok(),
        "set __OW_API_HOST/__OW_NAMESPACE/__OW_API_KEY (an emulator)"
    );
    assert!(abi_matches());
    println!("libaotsandbox {}", version());

    let client = Client::from_env().expect("client");
    let options = CreateOptions {
        name: Some("rust-walkthrough".into()),
        size: Size::Small,
        ports: vec![3000],
        envs: vec![("GREETING".into(), "hello from Rust".into())],
        policy_json: Some(r#"{"network":{"egress":"allow-all"}}"#.into()),
        ..Default::default()
    };
    let sb = Sandbox::create(&client, &options, Some(Duration::from_secs(60))).expect("create");
    println!("created {}", sb.id());

    // exec, captured
    let out = sb.exec("echo \"$GREETING\"; exit 4", T).expect("exec");
    assert_eq!(out.stdout_text(), "hello from Rust\n");
    assert_eq!(out.exit.code, Some(4));

    // exec, streamed through a closure
    let seen = Arc::new(Mutex::new(Vec::<u8>::new()));
    let sink = seen.clone();
    let out = sb
        .exec_with(
            "for i in 1 2 3; do echo r$i; done",
            None,
            Some(Box::new(move |s, d| {
                if s == Stream::Stdout {
                    sink.lock().unwrap().extend_from_slice(d)
                }
            })),
            None,
            T,
        )
        .expect("streamed exec");
    assert_eq!(
        String::from_utf8_lossy(&seen.lock().unwrap()),
        "r1\nr2\nr3\n"
    );
    assert!(out.stdout.is_empty());

    // stdin: bytes up front, then interactively
    let out = sb
        .exec_with("wc -c", Some(b"12345"), None, None, T)
        .expect("stdin exec");
    assert_eq!(out.stdout_text().trim(), "5");
    let cat = sb.start("cat", None).expect("start");
    cat.write_stdin(b"ping\n").unwrap();
    cat.close_stdin().unwrap();
    assert_eq!(cat.wait(T).unwrap().stdout_text(), "ping\n");

    // timeout and cancel
    let err = sb
        .exec("sleep 20", Some(Duration::from_millis(300)))
        .unwrap_err();
    assert_eq!(err.status_name(), "AOTSB_ERR_TIMEOUT", "{err}");
    let token = Arc::new(CancelToken::new().unwrap());
    let canceller = token.clone();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        canceller.cancel().unwrap();
    });
    let err = sb
        .exec_with("sleep 20", None, None, Some(&token), None)
        .unwrap_err();
    t.join().unwrap();
    assert_eq!(err.status_name(), "AOTSB_ERR_CANCELLED", "{err}");

    // preview URL
    assert!(sb.preview_url(3000).unwrap().contains("3000"));
    assert_eq!(
        sb.preview_url(3001).unwrap_err().status_name(),
        "AOTSB_ERR_PORT_NOT_PROVISIONED"
    );

    // detached + re-attach from a second connection + wait + kill
    let cmd = sb
        .start_detached("sleep 0.3; echo bg; exit 9", None, T)
        .expect("detached");
    assert!(cmd.pid().is_some());
    let other =
        Sandbox::attach(&client, &sb.id(), &sb.session_token().unwrap(), T).expect("attach");
    let got = Arc::new(Mutex::new(String::new()));
    let g = got.clone();
    let again = other
        .get_command(
            &cmd.exec_id(),
            true,
            Some(Box::new(move |_, d| {
                g.lock().unwrap().push_str(&String::from_utf8_lossy(d))
            })),
            T,
        )
        .expect("get_command");
    assert_eq!(again.wait(T).unwrap().code, Some(9));
    assert_eq!(*got.lock().unwrap(), "bg\n");
    drop(again);
    drop(other);
    let echoed = Arc::new(Mutex::new(Vec::<u8>::new()));
    let e2 = echoed.clone();
    let cat = sb
        .start_detached(
            "cat",
            Some(Box::new(move |_, d| {
                e2.lock().unwrap().extend_from_slice(d)
            })),
            T,
        )
        .unwrap();
    cat.write_stdin(b"to detached\n").unwrap();
    cat.close_stdin().unwrap();
    assert_eq!(cat.wait(T).unwrap().code, Some(0));
    drop(cat);
    assert_eq!(
        String::from_utf8_lossy(&echoed.lock().unwrap()),
        "to detached\n"
    );
    let sleeper = sb.start_detached("sleep 30", None, T).unwrap();
    assert_eq!(
        sleeper
            .wait(Some(Duration::from_millis(200)))
            .unwrap_err()
            .status_name(),
        "AOTSB_ERR_TIMEOUT"
    );
    sleeper.kill("SIGKILL").unwrap();
    assert_ne!(sleeper.wait(T).unwrap().code, Some(0));

    // files
    let blob = [0u8, 1, 2, 255, b'\n'];
    sb.write_file("rs/blob.bin", &blob, T).unwrap();
    assert_eq!(sb.read_file("rs/blob.bin", T).unwrap(), blob);
    let listing = sb.list_files("rs", T).unwrap();
    assert!(
        listing
            .iter()
            .any(|e| e.name == "blob.bin" && e.size == Some(5) && !e.is_directory),
        "{listing:?}"
    );

    sb.destroy(Some(Duration::from_secs(30))).unwrap();
    println!("RUST WALKTHROUGH OK");
}
