//! Tests of the fake GitHub itself: its responses against GitHub's OpenAPI examples, and its
//! behaviour (numbering, caching, pagination, faults, recording, GraphQL, sync use).

mod faults;
mod graphql;
mod http;
mod openapi;
mod protocol;
mod rest;
mod usage;

use ao_trackers::fake::{
    CheckConclusion, CheckRun, CommitStatus, FakeGitHub, Issue, PullRequest, Repo, Review,
    ReviewComment, ReviewState, StatusState,
};

/// The repository the seeded world uses (GitHub's own example repository).
pub(crate) const REPO: &str = "octocat/Hello-World";

/// What [`seeded`] created.
#[derive(Debug)]
pub(crate) struct Seeded {
    pub(crate) gh: FakeGitHub,
    pub(crate) issue: u64,
    pub(crate) pull: u64,
    pub(crate) head_sha: String,
    pub(crate) thread: u64,
}

/// A fake with one of everything: an issue with a label, assignee and comment; a pull request
/// with labels, assignee, requested reviewer, review, a review thread with a reply, a check run
/// and a commit status on its head.
pub(crate) fn seeded() -> Seeded {
    let gh = FakeGitHub::start();
    gh.add_repo(Repo::new(REPO));
    let issue = gh.add_issue(
        REPO,
        Issue {
            body: Some("I'm having a problem with this.".to_owned()),
            labels: vec!["bug".to_owned()],
            assignees: vec!["octocat".to_owned()],
            ..Issue::new("Found a bug")
        },
    );
    gh.add_comment(REPO, issue, "hubot", "Me too");
    let head_sha = "6dcb09b5b57875f334f61aebed695e2e4193db5e".to_owned();
    let pull = gh.add_pull(
        REPO,
        PullRequest {
            body: Some("Please pull these awesome changes in!".to_owned()),
            head_sha: head_sha.clone(),
            labels: vec!["bug".to_owned()],
            assignees: vec!["octocat".to_owned()],
            requested_reviewers: vec!["other_user".to_owned(), "hubot".to_owned()],
            author: "hubot".to_owned(),
            ..PullRequest::new("Amazing new feature", "new-topic")
        },
    );
    gh.add_review(
        REPO,
        pull,
        Review {
            body: "Here is the body for the review.".to_owned(),
            ..Review::new("other_user", ReviewState::Approved)
        },
    );
    let thread = gh.add_review_comment(
        REPO,
        pull,
        ReviewComment::new("octocat", "file1.txt", 2, "Great stuff!"),
    );
    gh.add_review_comment(
        REPO,
        pull,
        ReviewComment {
            in_reply_to: Some(thread),
            ..ReviewComment::new("hubot", "file1.txt", 2, "Thanks!")
        },
    );
    gh.add_check_run(
        REPO,
        &head_sha,
        CheckRun {
            details_url: Some("https://ci.example.com/runs/1".to_owned()),
            ..CheckRun::completed("mighty_readme", CheckConclusion::Neutral)
        },
    );
    gh.add_status(
        REPO,
        &head_sha,
        CommitStatus {
            target_url: Some("https://ci.example.com/1000/output".to_owned()),
            description: Some("Build has completed successfully".to_owned()),
            ..CommitStatus::new("continuous-integration/jenkins", StatusState::Success)
        },
    );
    Seeded {
        gh,
        issue,
        pull,
        head_sha,
        thread,
    }
}
