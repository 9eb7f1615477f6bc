//! Work run on another thread on its own connection to the database (an
//! import, an export, the dashboard's metrics), so that the screen keeps
//! drawing while it runs.

use crate::ops::Session;
use crate::ops::transfer::Progress;
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::time::{Duration, Instant};

/// What a worker says: how far it has got, then its result.
pub(crate) enum Report<T> {
    Progress(Progress),
    Done(T),
}

/// Work running on another thread on its own connection to the database
/// (or, for a database in memory, done at once on the app's): its progress
/// as last heard, and its result when it comes.
pub struct Job<T> {
    pub(crate) rx: Receiver<Report<T>>,
    /// How far the worker said it had got.
    pub progress: Progress,
}

/// How often a worker reports its progress.
const REPORT_EVERY: Duration = Duration::from_millis(50);

impl<T: Send + 'static> Job<T> {
    pub fn start(
        session: &mut Session,
        work: impl FnOnce(&mut Session, &mut dyn FnMut(Progress)) -> T + Send + 'static,
    ) -> Result<Job<T>, String> {
        let (tx, rx) = mpsc::channel();
        match session.another() {
            Some(Ok(mut second)) => {
                std::thread::spawn(move || {
                    let mut last: Option<Instant> = None;
                    let mut report = |p: Progress| {
                        if last.is_none_or(|at| at.elapsed() >= REPORT_EVERY) {
                            last = Some(Instant::now());
                            let _ = tx.send(Report::Progress(p));
                        }
                    };
                    let done = work(&mut second, &mut report);
                    let _ = tx.send(Report::Done(done));
                });
            }
            Some(Err(e)) => return Err(e.to_string()),
            None => {
                let done = work(session, &mut |_| {});
                let _ = tx.send(Report::Done(done));
            }
        }
        Ok(Job {
            rx,
            progress: Progress::default(),
        })
    }

    /// What the worker said since last asked; its result once it is done.
    pub fn poll(&mut self) -> Option<Result<T, String>> {
        loop {
            match self.rx.try_recv() {
                Ok(Report::Progress(p)) => self.progress = p,
                Ok(Report::Done(done)) => return Some(Ok(done)),
                Err(TryRecvError::Empty) => return None,
                Err(TryRecvError::Disconnected) => return Some(Err(stopped())),
            }
        }
    }

    /// Wait for the result.
    pub fn wait(&mut self) -> Result<T, String> {
        loop {
            match self.rx.recv() {
                Ok(Report::Progress(p)) => self.progress = p,
                Ok(Report::Done(done)) => return Ok(done),
                Err(_) => return Err(stopped()),
            }
        }
    }
}

pub(crate) fn stopped() -> String {
    "the work stopped before it finished; nothing was written".into()
}
