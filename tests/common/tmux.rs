//! A private tmux server driving the real binary, read back as a person
//! would see it (the end-to-end tests).

use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A tmux server of our own, killed when the test ends.
pub struct Tmux {
    socket: String,
}

impl Tmux {
    pub fn start(name: &str, width: u16, height: u16, command: &str) -> Tmux {
        let socket = format!("qualify-e2e-{}-{name}", std::process::id());
        let tmux = Tmux { socket };
        let out = tmux.run(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
            command,
        ]);
        assert!(
            out.status.success(),
            "tmux could not start (it is required; .ci/run installs it): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        tmux
    }

    pub fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .env_remove("TMUX")
            .output()
            .expect("tmux is installed (.ci/run installs it)")
    }

    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p"]).stdout).into_owned()
    }

    pub fn display(&self, format: &str) -> String {
        let out = self.run(&["display-message", "-p", format]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Send keys one at a time, pausing so that Esc is not read as Alt.
    pub fn keys(&self, keys: &[&str]) {
        for key in keys {
            self.run(&["send-keys", key]);
            std::thread::sleep(Duration::from_millis(120));
        }
    }

    pub fn text(&self, text: &str) {
        self.run(&["send-keys", "-l", text]);
        std::thread::sleep(Duration::from_millis(120));
    }

    /// The pid of the program the pane's shell runs (qualify).
    pub fn child(&self) -> String {
        let shell = self.display("#{pane_pid}");
        let children = std::fs::read_to_string(format!("/proc/{shell}/task/{shell}/children"))
            .unwrap_or_default();
        let child = children.split_whitespace().next().unwrap_or("").to_string();
        assert!(!child.is_empty(), "qualify runs under the pane's shell");
        child
    }

    /// Wait until `what` holds on the screen, or fail showing the screen.
    pub fn wait_for(&self, label: &str, what: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if what(&screen) {
                return screen;
            }
            if start.elapsed() > Duration::from_secs(15) {
                panic!("timed out waiting for {label}; the screen was:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}
