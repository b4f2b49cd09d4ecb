//! The REST routes' behaviour over the fake's state.

use ao_trackers::fake::{
    CheckConclusion, CheckRun, CommitStatus, FakeGitHub, Issue, IssueState, PullRequest, PullState,
    Repo, StateReason, StatusState,
};
use serde_json::{Value, json};

use super::http::{get, request};
use super::{REPO, seeded};

fn numbers(v: &Value) -> Vec<u64> {
    v.as_array()
        .expect("a list")
        .iter()
        .map(|i| i["number"].as_u64().expect("number"))
        .collect()
}

#[test]
fn issues_and_pull_requests_share_one_sequence_and_a_pull_request_reads_as_an_issue() {
    let gh = FakeGitHub::start();
    let one = gh.add_issue("acme/app", Issue::new("first"));
    let two = gh.add_pull("acme/app", PullRequest::new("second", "feature"));
    let three = gh.add_issue("acme/app", Issue::new("third"));
    assert_eq!((one, two, three), (1, 2, 3));
    // Another repository has its own sequence.
    assert_eq!(gh.add_issue("acme/other", Issue::new("x")), 1);

    let as_issue = get(gh.url(), "/repos/acme/app/issues/2").send();
    assert_eq!(as_issue.status, 200);
    let body = as_issue.json();
    assert_eq!(body["number"], 2);
    assert_eq!(body["title"], "second");
    let pulls_url = format!("{}/repos/acme/app/pulls/2", gh.url());
    assert_eq!(body["pull_request"]["url"], pulls_url.as_str());
    assert_eq!(body["html_url"], "https://github.com/acme/app/pull/2");

    let plain = get(gh.url(), "/repos/acme/app/issues/1").send().json();
    assert!(plain.get("pull_request").is_none(), "{plain}");
    assert_eq!(plain["html_url"], "https://github.com/acme/app/issues/1");

    assert_eq!(get(gh.url(), "/repos/acme/app/pulls/1").send().status, 404);
    assert_eq!(
        get(gh.url(), "/repos/acme/app/pulls/2").send().json()["number"],
        2
    );
    assert_eq!(get(gh.url(), "/repos/acme/app/issues/4").send().status, 404);
}

#[test]
fn unknown_resources_answer_githubs_not_found_and_private_repositories_hide_from_anonymous() {
    let gh = FakeGitHub::start();
    gh.add_repo(Repo {
        private: true,
        ..Repo::new("acme/secret")
    });
    let missing = get(gh.url(), "/repos/acme/nothing").send();
    assert_eq!(missing.status, 404);
    let body = missing.json();
    assert_eq!(body["message"], "Not Found");
    assert!(body["documentation_url"].is_string());
    assert_eq!(get(gh.url(), "/nope").send().status, 404);
    assert_eq!(get(gh.url(), "/repos/acme/secret").send().status, 404);
    let seen = get(gh.url(), "/repos/acme/secret").token("t").send();
    assert_eq!(seen.status, 200);
    assert_eq!(seen.json()["private"], true);
    assert_eq!(seen.json()["visibility"], "private");
    assert_eq!(
        get(gh.url(), "/repos/acme/secret/issues/x")
            .token("t")
            .send()
            .status,
        404
    );
}

#[test]
fn patch_edits_closes_and_reopens_issues_and_validates_its_input() {
    let s = seeded();
    let path = format!("/repos/{REPO}/issues/{}", s.issue);
    let closed = request(s.gh.url(), "PATCH", &path)
        .json(&json!({ "state": "closed", "title": "Renamed", "labels": ["wontfix"], "assignees": [] }))
        .send();
    assert_eq!(closed.status, 200, "{}", closed.body);
    let body = closed.json();
    assert_eq!(body["state"], "closed");
    assert_eq!(body["state_reason"], "completed");
    assert!(body["closed_at"].is_string());
    assert_eq!(body["labels"][0]["name"], "wontfix");
    let stored = s.gh.issue(REPO, s.issue).expect("issue");
    assert_eq!(stored.state, IssueState::Closed);
    assert_eq!(stored.title, "Renamed");
    assert!(stored.assignees.is_empty());

    let not_planned = request(s.gh.url(), "PATCH", &path)
        .json(&json!({ "state": "closed", "state_reason": "not_planned" }))
        .send()
        .json();
    assert_eq!(not_planned["state_reason"], "not_planned");
    let reopened = request(s.gh.url(), "PATCH", &path)
        .json(&json!({ "state": "open" }))
        .send()
        .json();
    assert_eq!(reopened["state"], "open");
    assert_eq!(reopened["state_reason"], "reopened");
    assert!(reopened["closed_at"].is_null());

    let invalid = request(s.gh.url(), "PATCH", &path)
        .json(&json!({ "state": "done" }))
        .send();
    assert_eq!(invalid.status, 422);
    assert_eq!(invalid.json()["message"], "Validation Failed");
    let garbage = request(s.gh.url(), "PATCH", &path)
        .raw_body("{not json")
        .send();
    assert_eq!(garbage.status, 400);
    assert_eq!(garbage.json()["message"], "Problems parsing JSON");
    assert_eq!(
        request(s.gh.url(), "PATCH", &format!("/repos/{REPO}/issues/99"))
            .json(&json!({ "title": "x" }))
            .send()
            .status,
        404
    );

    // Closing a pull request through the issues API closes the pull request.
    let pr = request(
        s.gh.url(),
        "PATCH",
        &format!("/repos/{REPO}/issues/{}", s.pull),
    )
    .json(&json!({ "state": "closed" }))
    .send();
    assert_eq!(pr.status, 200);
    assert!(pr.json()["pull_request"].is_object());
    assert_eq!(
        s.gh.pull(REPO, s.pull).expect("pull").state,
        PullState::Closed
    );
}

#[test]
fn labels_are_added_removed_and_created_on_first_use() {
    let s = seeded();
    let labels = format!("/repos/{REPO}/issues/{}/labels", s.issue);
    let added = request(s.gh.url(), "POST", &labels)
        .json(&json!({ "labels": ["agent:working", "bug"] }))
        .send();
    assert_eq!(added.status, 200);
    let names: Vec<_> = added
        .json()
        .as_array()
        .expect("labels")
        .iter()
        .map(|l| l["name"].clone())
        .collect();
    assert_eq!(names, [json!("bug"), json!("agent:working")]);
    // The bare-array form GitHub also accepts.
    let again = request(s.gh.url(), "POST", &labels)
        .json(&json!(["question"]))
        .send();
    assert_eq!(again.json().as_array().map(Vec::len), Some(3));

    let removed = request(s.gh.url(), "DELETE", &format!("{labels}/agent%3Aworking")).send();
    assert_eq!(removed.status, 200);
    assert_eq!(removed.json().as_array().map(Vec::len), Some(2));
    assert_eq!(
        s.gh.issue(REPO, s.issue).expect("issue").labels,
        ["bug", "question"]
    );
    let absent = request(s.gh.url(), "DELETE", &format!("{labels}/agent%3Aworking")).send();
    assert_eq!(absent.status, 404);
    assert_eq!(absent.json()["message"], "Label does not exist");
    let bad = request(s.gh.url(), "POST", &labels)
        .json(&json!({ "labels": "bug" }))
        .send();
    assert_eq!(bad.status, 422);
}

#[test]
fn comments_are_posted_as_the_viewer_on_issues_and_pull_requests() {
    let s = seeded();
    s.gh.set_viewer("ao-bot");
    for n in [s.issue, s.pull] {
        let posted = request(
            s.gh.url(),
            "POST",
            &format!("/repos/{REPO}/issues/{n}/comments"),
        )
        .json(&json!({ "body": "Working on it" }))
        .send();
        assert_eq!(posted.status, 201, "{}", posted.body);
        let body = posted.json();
        assert_eq!(body["user"]["login"], "ao-bot");
        assert_eq!(body["body"], "Working on it");
        assert_eq!(posted.header("location"), body["url"].as_str());
    }
    let comments = s.gh.issue(REPO, s.issue).expect("issue").comments;
    assert_eq!(
        comments.last().map(|c| c.body.as_str()),
        Some("Working on it")
    );
    assert_eq!(s.gh.pull(REPO, s.pull).expect("pull").comments.len(), 1);
    let missing = request(
        s.gh.url(),
        "POST",
        &format!("/repos/{REPO}/issues/{}/comments", s.issue),
    )
    .json(&json!({ "text": "no body" }))
    .send();
    assert_eq!(missing.status, 422);
}

#[test]
fn the_issue_list_filters_by_state_labels_assignee_and_includes_pull_requests() {
    let gh = FakeGitHub::start();
    let repo = "acme/app";
    let a = gh.add_issue(
        repo,
        Issue {
            labels: vec!["bug".into()],
            assignees: vec!["ann".into()],
            ..Issue::new("a")
        },
    );
    let b = gh.add_issue(
        repo,
        Issue {
            labels: vec!["bug".into(), "ui".into()],
            ..Issue::new("b")
        },
    );
    let c = gh.add_issue(
        repo,
        Issue {
            state: IssueState::Closed,
            state_reason: Some(StateReason::Completed),
            ..Issue::new("c")
        },
    );
    let p = gh.add_pull(
        repo,
        PullRequest {
            labels: vec!["bug".into()],
            ..PullRequest::new("p", "p")
        },
    );
    let list = |q: &str| {
        numbers(
            &get(gh.url(), &format!("/repos/{repo}/issues{q}"))
                .send()
                .json(),
        )
    };

    assert_eq!(
        list(""),
        [p, b, a],
        "open, newest first, pull requests included"
    );
    assert_eq!(list("?state=closed"), [c]);
    assert_eq!(list("?state=all&direction=asc"), [a, b, c, p]);
    assert_eq!(list("?labels=bug,ui"), [b]);
    assert_eq!(list("?labels=bug"), [p, b, a]);
    assert_eq!(list("?assignee=ann"), [a]);
    assert_eq!(list("?assignee=none"), [p, b]);
    assert_eq!(list("?assignee=*"), [a]);
    assert_eq!(
        get(gh.url(), &format!("/repos/{repo}/issues?state=bogus"))
            .send()
            .status,
        422
    );
}

#[test]
fn the_pull_list_filters_by_state_head_and_base() {
    let gh = FakeGitHub::start();
    let repo = "acme/app";
    let open = gh.add_pull(repo, PullRequest::new("open", "feat-a"));
    let merged = gh.add_pull(repo, PullRequest::new("merged", "feat-b"));
    gh.merge_pull(repo, merged, "ann");
    let other_base = gh.add_pull(
        repo,
        PullRequest {
            base_ref: "release".into(),
            ..PullRequest::new("rel", "feat-c")
        },
    );
    let list = |q: &str| {
        numbers(
            &get(gh.url(), &format!("/repos/{repo}/pulls{q}"))
                .send()
                .json(),
        )
    };
    assert_eq!(list(""), [other_base, open]);
    assert_eq!(list("?state=closed"), [merged]);
    assert_eq!(list("?state=all&head=acme:feat-b"), [merged]);
    assert_eq!(list("?head=someone:feat-a"), Vec::<u64>::new());
    assert_eq!(list("?base=release"), [other_base]);

    let full = get(gh.url(), &format!("/repos/{repo}/pulls/{merged}"))
        .send()
        .json();
    assert_eq!(full["state"], "closed");
    assert_eq!(full["merged"], true);
    assert_eq!(full["merged_by"]["login"], "ann");
    assert!(full["merged_at"].is_string());
    assert_eq!(full["head"]["ref"], "feat-b");
    assert_eq!(full["base"]["ref"], "main");
    assert_eq!(full["mergeable_state"], "clean");
    // The list uses GitHub's shorter shape.
    let listed = get(gh.url(), &format!("/repos/{repo}/pulls")).send().json();
    assert!(listed[0].get("mergeable").is_none());
}

#[test]
fn check_runs_and_the_combined_status_resolve_shas_and_branches() {
    let gh = FakeGitHub::start();
    let repo = "acme/app";
    let pr = gh.add_pull(repo, PullRequest::new("p", "feature/login"));
    let sha = gh.pull(repo, pr).expect("pull").head_sha;
    let first = gh.add_check_run(repo, &sha, CheckRun::in_progress("test"));
    gh.add_check_run(
        repo,
        &sha,
        CheckRun::completed("lint", CheckConclusion::Success),
    );
    let runs = |r: &str, q: &str| {
        get(
            gh.url(),
            &format!("/repos/{repo}/commits/{r}/check-runs{q}"),
        )
        .send()
    };

    let by_sha = runs(&sha, "").json();
    assert_eq!(by_sha["total_count"], 2);
    let by_branch = runs("feature%2Flogin", "").json();
    assert_eq!(by_branch["total_count"], 2);
    assert_eq!(runs("feature/login", "").json()["total_count"], 2);
    assert_eq!(by_branch["check_runs"][0]["pull_requests"][0]["number"], pr);

    // A re-run: `latest` shows one run per name, `all` shows both.
    gh.update_check_run(repo, first, |c| {
        c.status = ao_trackers::fake::CheckStatus::Completed;
        c.conclusion = Some(CheckConclusion::Failure);
    });
    gh.add_check_run(
        repo,
        &sha,
        CheckRun::completed("test", CheckConclusion::Success),
    );
    assert_eq!(runs(&sha, "").json()["total_count"], 2);
    assert_eq!(runs(&sha, "?filter=all").json()["total_count"], 3);
    assert_eq!(
        runs(&sha, "?check_name=test").json()["check_runs"][0]["conclusion"],
        "success"
    );
    let unknown = runs("no-such-branch", "");
    assert_eq!(unknown.status, 422);
    assert_eq!(
        unknown.json()["message"],
        "No commit found for SHA: no-such-branch"
    );

    let status = |r: &str| {
        get(gh.url(), &format!("/repos/{repo}/commits/{r}/status"))
            .send()
            .json()
    };
    let none = status(&sha);
    assert_eq!(
        (none["state"].clone(), none["total_count"].clone()),
        (json!("pending"), json!(0))
    );
    gh.add_status(repo, &sha, CommitStatus::new("ci/a", StatusState::Pending));
    gh.add_status(repo, &sha, CommitStatus::new("ci/b", StatusState::Success));
    assert_eq!(status(&sha)["state"], "pending");
    gh.add_status(repo, &sha, CommitStatus::new("ci/a", StatusState::Success));
    let all_green = status("feature/login");
    assert_eq!(all_green["state"], "success");
    assert_eq!(all_green["total_count"], 2, "the latest status per context");
    gh.add_status(repo, &sha, CommitStatus::new("ci/b", StatusState::Error));
    assert_eq!(status(&sha)["state"], "failure");
}

#[test]
fn reviews_and_review_comments_are_listed_in_order() {
    let s = seeded();
    let reviews = get(
        s.gh.url(),
        &format!("/repos/{REPO}/pulls/{}/reviews", s.pull),
    )
    .send()
    .json();
    assert_eq!(reviews[0]["state"], "APPROVED");
    assert_eq!(reviews[0]["user"]["login"], "other_user");
    assert_eq!(reviews[0]["commit_id"], s.head_sha.as_str());
    let comments = get(
        s.gh.url(),
        &format!("/repos/{REPO}/pulls/{}/comments", s.pull),
    )
    .send()
    .json();
    assert_eq!(comments.as_array().map(Vec::len), Some(2));
    assert_eq!(comments[0]["id"], s.thread);
    assert!(comments[0].get("in_reply_to_id").is_none());
    assert_eq!(comments[1]["in_reply_to_id"], s.thread);
    assert_eq!(comments[1]["path"], "file1.txt");
    assert_eq!(
        get(
            s.gh.url(),
            &format!("/repos/{REPO}/pulls/{}/reviews", s.issue)
        )
        .send()
        .status,
        404
    );
}

#[test]
fn merging_marks_the_pull_request_merged_or_refuses_as_github_does() {
    use ao_trackers::fake::{MergeMethod, MergeableState};
    let gh = FakeGitHub::start();
    let ok = gh.add_pull("acme/app", PullRequest::new("ok", "feat/ok"));
    let dirty = gh.add_pull(
        "acme/app",
        PullRequest {
            mergeable_state: MergeableState::Dirty,
            ..PullRequest::new("dirty", "feat/dirty")
        },
    );
    let merge = |n: u64, body: Value| {
        request(gh.url(), "PUT", &format!("/repos/acme/app/pulls/{n}/merge"))
            .token("t")
            .json(&body)
            .send()
    };
    let wrong_method = merge(ok, json!({ "merge_method": "octopus" }));
    assert_eq!(wrong_method.status, 422);
    let moved = merge(
        ok,
        json!({ "sha": "0000000000000000000000000000000000000000" }),
    );
    assert_eq!(moved.status, 409);
    assert!(
        moved.json()["message"]
            .as_str()
            .unwrap()
            .contains("modified")
    );
    let done = merge(ok, json!({ "merge_method": "squash" }));
    assert_eq!(done.status, 200);
    assert_eq!(done.json()["merged"], true);
    let pull = gh.pull("acme/app", ok).unwrap();
    assert_eq!(
        (pull.state, pull.merge_method, pull.merged_by.as_deref()),
        (
            PullState::Merged,
            Some(MergeMethod::Squash),
            Some("octocat")
        )
    );
    let rest = get(gh.url(), &format!("/repos/acme/app/pulls/{ok}"))
        .send()
        .json();
    assert_eq!(
        (rest["merged"].clone(), rest["state"].clone()),
        (json!(true), json!("closed"))
    );
    for n in [ok, dirty] {
        let refused = merge(n, json!({}));
        assert_eq!(refused.status, 405, "#{n}");
        assert_eq!(refused.json()["message"], "Pull Request is not mergeable");
    }
    assert_eq!(merge(99, json!({})).status, 404);
}

#[test]
fn the_pull_request_list_changes_its_etag_when_a_pull_request_changes_but_not_for_its_checks() {
    let gh = FakeGitHub::start();
    gh.add_repo(Repo::new("acme/app"));
    gh.add_repo(Repo::new("bob/app"));
    let mine = gh.add_pull("acme/app", PullRequest::new("mine", "feat/mine"));
    let theirs = gh.add_pull(
        "acme/app",
        PullRequest::from_fork("theirs", "bob/app", "feat/mine"),
    );
    let list = "/repos/acme/app/pulls?state=all&sort=updated&direction=desc&per_page=100";
    let first = get(gh.url(), list).token("t").send();
    assert_eq!(numbers(&first.json()), [theirs, mine]);
    let fork_head = &first.json()[0]["head"];
    assert_eq!(fork_head["label"], "bob:feat/mine");
    assert_eq!(fork_head["repo"]["full_name"], "bob/app");
    let etag = first.header("etag").unwrap().to_owned();
    let unchanged = || {
        get(gh.url(), list)
            .token("t")
            .header("if-none-match", &etag)
            .send()
            .status
    };
    let sha = gh.pull("acme/app", mine).unwrap().head_sha;
    gh.add_check_run(
        "acme/app",
        &sha,
        CheckRun::completed("ci", CheckConclusion::Success),
    );
    assert_eq!(
        unchanged(),
        304,
        "checks are the commit's, not the pull request's"
    );
    gh.push("acme/app", mine, "1111111111111111111111111111111111111111");
    assert_eq!(unchanged(), 200, "a push changes the pull request");
    let head_only = get(
        gh.url(),
        "/repos/acme/app/pulls?state=all&head=bob:feat/mine",
    )
    .send()
    .json();
    assert_eq!(
        numbers(&head_only),
        [theirs],
        "`head` names the fork's owner"
    );
}
