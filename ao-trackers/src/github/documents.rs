//! Every GraphQL document the client sends, in one table ([`DOCUMENTS`]).
//!
//! Kept as constants rather than built at run time so that the API shape tests can validate
//! each one against GitHub's published schema: a misspelt field fails a test, not a user's poll.
//! The one document that must vary — the pull-request batch, with one alias per question — is
//! assembled by [`pr_batch`] from the same fragments; [`PR_BATCH`] is what it builds for one
//! part of each kind (a unit test holds the two equal), and the shape tests validate both it
//! and the builder's other combinations.

/// A GraphQL document and the name of its operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Document {
    /// The operation's name (used in messages).
    pub name: &'static str,
    /// The document's text.
    pub text: &'static str,
}

/// Who the token belongs to and what is left of the GraphQL budget (`ao doctor`).
pub const VIEWER_PROBE: Document = Document {
    name: "ViewerProbe",
    text: "query ViewerProbe { viewer { login } rateLimit { limit remaining used resetAt } }",
};

/// Check contexts read per page (GitHub's maximum). The first page comes with the batch; a pull
/// request with more gets follow-up pages.
pub const CONTEXTS_PAGE: u32 = 100;

/// Review threads read with the batch. Each thread also reads its first comment, which GitHub
/// prices as one request per thread: ten keep a batch of a hundred pull requests near ten
/// points, and a pull request with more threads gets follow-up pages of [`FOLLOW_UP_PAGE`].
pub const THREADS_PAGE: u32 = 10;

/// Pull requests a `Branch` question considers, newest first. GitHub allows one open pull
/// request per head and base branch, so an open one is among the newest unless the branch has
/// more than two newer pull requests (closed ones, or forks' branches of the same name).
pub const BRANCH_CANDIDATES: u32 = 3;

/// Contexts or threads per follow-up page (GitHub's maximum).
pub const FOLLOW_UP_PAGE: u32 = 100;

/// The fields of [`ao_core::plugin::PullRequest`].
macro_rules! pr_head_fragment {
    () => {
        "fragment PrHead on PullRequest { number url title body state isDraft headRefName \
         baseRefName baseRefOid headRefOid isCrossRepository maintainerCanModify \
         headRepository { nameWithOwner viewerPermission } }"
    };
}

/// Everything a batch reads about one pull request.
macro_rules! pr_details_fragment {
    () => {
        "fragment PrDetails on PullRequest { ...PrHead mergeable mergeStateStatus reviewDecision \
         statusCheckRollup { contexts(first: 100) { ...Contexts } } \
         reviewThreads(first: 10) { ...Threads } }"
    };
}

/// A page of check contexts: check runs and commit statuses.
macro_rules! contexts_fragment {
    () => {
        "fragment Contexts on StatusCheckRollupContextConnection { totalCount \
         pageInfo { hasNextPage endCursor } nodes { __typename \
         ... on CheckRun { name status conclusion title detailsUrl url } \
         ... on StatusContext { context state description targetUrl } } }"
    };
}

/// A page of review threads, each with its first comment.
macro_rules! threads_fragment {
    () => {
        "fragment Threads on PullRequestReviewThreadConnection { \
         pageInfo { hasNextPage endCursor } nodes { isResolved path line \
         comments(first: 1) { nodes { id author { login } body path line url } } } }"
    };
}

/// What the budget looks like after the query (its own cost included).
macro_rules! rate_limit_selection {
    () => {
        "rateLimit { cost remaining limit resetAt }"
    };
}

/// One pull request by number, with what [`ao_core::plugin::PullRequest`] holds.
pub const PR_BY_NUMBER: Document = Document {
    name: "PrByNumber",
    text: concat!(
        "query PrByNumber($owner: String!, $name: String!, $number: Int!) { ",
        "repository(owner: $owner, name: $name) { viewerPermission ",
        "pullRequest(number: $number) { ...PrHead } } } ",
        pr_head_fragment!()
    ),
};

/// The newest pull requests whose head branch has a name (forks' included: GitHub cannot
/// filter by head repository, so the caller drops them).
pub const PRS_FOR_BRANCH: Document = Document {
    name: "PrsForBranch",
    text: concat!(
        "query PrsForBranch($owner: String!, $name: String!, $branch: String!) { ",
        "repository(owner: $owner, name: $name) { viewerPermission ",
        "pullRequests(headRefName: $branch, first: 3, ",
        "orderBy: {field: CREATED_AT, direction: DESC}) { nodes { ...PrHead } } } } ",
        pr_head_fragment!()
    ),
};

/// What [`pr_batch`] builds for `[Number, Branch, MoreContexts, MoreThreads]`.
pub const PR_BATCH: Document = Document {
    name: "PrBatch",
    text: concat!(
        "query PrBatch($owner: String!, $name: String!, $q0: Int!, $q1: String!, ",
        "$q2: GitObjectID!, $a2: String!, $q3: Int!, $a3: String!) { ",
        rate_limit_selection!(),
        " repository(owner: $owner, name: $name) { viewerPermission",
        " q0: pullRequest(number: $q0) { ...PrDetails }",
        " q1: pullRequests(headRefName: $q1, first: 3, ",
        "orderBy: {field: CREATED_AT, direction: DESC}) { nodes { ...PrDetails } }",
        " q2: object(oid: $q2) { ... on Commit { statusCheckRollup { ",
        "contexts(first: 100, after: $a2) { ...Contexts } } } }",
        " q3: pullRequest(number: $q3) { number reviewThreads(first: 100, after: $a3) ",
        "{ ...Threads } }",
        " } } ",
        pr_head_fragment!(),
        " ",
        pr_details_fragment!(),
        " ",
        contexts_fragment!(),
        " ",
        threads_fragment!()
    ),
};

/// One aliased question of a [`pr_batch`] document; the alias of the part at index `i` is
/// `q<i>`, its variables `$q<i>` (and `$a<i>`, a cursor).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    /// A pull request by number (`$q<i>: Int!`), with everything a batch reads.
    Number,
    /// The newest [`BRANCH_CANDIDATES`] pull requests of a head branch (`$q<i>: String!`).
    Branch,
    /// The next page of a commit's check contexts (`$q<i>`: the commit, `$a<i>`: the cursor).
    MoreContexts,
    /// The next page of a pull request's review threads (`$q<i>`: its number, `$a<i>`: the
    /// cursor).
    MoreThreads,
}

/// The batch document for `parts`, in order; only the fragments it uses are appended (GitHub
/// refuses a document with an unused fragment).
pub fn pr_batch(parts: &[Part]) -> String {
    let mut variables = String::from("$owner: String!, $name: String!");
    let mut selections = String::new();
    for (i, part) in parts.iter().enumerate() {
        let (ty, cursor) = match part {
            Part::Number => ("Int!", false),
            Part::Branch => ("String!", false),
            Part::MoreContexts => ("GitObjectID!", true),
            Part::MoreThreads => ("Int!", true),
        };
        variables.push_str(&format!(", $q{i}: {ty}"));
        if cursor {
            variables.push_str(&format!(", $a{i}: String!"));
        }
        selections.push_str(&match part {
            Part::Number => format!(" q{i}: pullRequest(number: $q{i}) {{ ...PrDetails }}"),
            Part::Branch => format!(
                " q{i}: pullRequests(headRefName: $q{i}, first: {BRANCH_CANDIDATES}, \
                 orderBy: {{field: CREATED_AT, direction: DESC}}) {{ nodes {{ ...PrDetails }} }}"
            ),
            Part::MoreContexts => format!(
                " q{i}: object(oid: $q{i}) {{ ... on Commit {{ statusCheckRollup {{ \
                 contexts(first: {FOLLOW_UP_PAGE}, after: $a{i}) {{ ...Contexts }} }} }} }}"
            ),
            Part::MoreThreads => format!(
                " q{i}: pullRequest(number: $q{i}) {{ number \
                 reviewThreads(first: {FOLLOW_UP_PAGE}, after: $a{i}) {{ ...Threads }} }}"
            ),
        });
    }
    let details = parts
        .iter()
        .any(|p| matches!(p, Part::Number | Part::Branch));
    let contexts = details || parts.contains(&Part::MoreContexts);
    let threads = details || parts.contains(&Part::MoreThreads);
    let mut text = format!(
        "query PrBatch({variables}) {{ {} repository(owner: $owner, name: $name) \
         {{ viewerPermission{selections} }} }}",
        rate_limit_selection!()
    );
    if details {
        text.push(' ');
        text.push_str(pr_head_fragment!());
        text.push(' ');
        text.push_str(pr_details_fragment!());
    }
    if contexts {
        text.push(' ');
        text.push_str(contexts_fragment!());
    }
    if threads {
        text.push(' ');
        text.push_str(threads_fragment!());
    }
    text
}

/// Every document the client sends (the batch as [`PR_BATCH`]; see [`pr_batch`]).
pub const DOCUMENTS: &[Document] = &[VIEWER_PROBE, PR_BY_NUMBER, PRS_FOR_BRANCH, PR_BATCH];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_batch_builder_builds_the_validated_example() {
        assert_eq!(
            pr_batch(&[
                Part::Number,
                Part::Branch,
                Part::MoreContexts,
                Part::MoreThreads
            ]),
            PR_BATCH.text
        );
    }

    #[test]
    fn the_page_sizes_are_the_ones_in_the_text() {
        let details = pr_details_fragment!();
        assert!(details.contains(&format!("contexts(first: {CONTEXTS_PAGE})")));
        assert!(details.contains(&format!("reviewThreads(first: {THREADS_PAGE})")));
        assert!(
            PRS_FOR_BRANCH
                .text
                .contains(&format!("first: {BRANCH_CANDIDATES},"))
        );
        assert!(
            PR_BATCH
                .text
                .contains(&format!("first: {BRANCH_CANDIDATES},"))
        );
        assert!(PR_BATCH.text.contains(&format!("first: {FOLLOW_UP_PAGE},")));
    }

    #[test]
    fn a_batch_carries_only_the_fragments_it_uses() {
        let pages = pr_batch(&[Part::MoreContexts]);
        assert!(pages.contains("fragment Contexts"));
        assert!(!pages.contains("fragment Threads") && !pages.contains("fragment PrDetails"));
        let threads = pr_batch(&[Part::MoreThreads, Part::MoreThreads]);
        assert!(threads.contains("fragment Threads") && !threads.contains("fragment Contexts"));
        assert!(threads.contains("$q1: Int!, $a1: String!"));
    }
}
