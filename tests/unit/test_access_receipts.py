"""The receipt chain as the rep's companion checks it: signatures, numbers and links."""

from datetime import UTC, datetime

import pytest
from access_helpers import Org

from companion.core.access import signed
from companion.core.access.receipts import GENESIS, receipt_body, verify_chain
from companion.core.policy.parse import parse_policy

AT = datetime(2026, 12, 3, 14, 2, tzinfo=UTC)


@pytest.fixture(scope="module")
def org():
    return Org()


@pytest.fixture(scope="module")
def rules(org):
    return parse_policy(org.policy_text().encode(), "org.toml").access


def chain(org, rules, count, reviewer="dana"):
    documents, prev = {}, GENESIS
    for seq in range(1, count + 1):
        body = receipt_body(
            rep="alice", seq=seq, prev=prev, reviewer=reviewer, rules=rules,
            purpose="coaching", reason="objection handling", approval=None, action="open",
            call="call-1", parts=["moments_notes"], at=AT.isoformat(),
        )  # fmt: skip
        documents[seq] = signed.sign(body, reviewer, org.keys[reviewer])
        prev = signed.document_hash(documents[seq])
    return documents


def test_an_intact_chain_reads_as_the_rep_is_shown_it(org, rules):
    report = verify_chain(chain(org, rules, 3), rules, "alice", {})
    assert report.warnings == [] and [r.seq for r in report.receipts] == [1, 2, 3]
    assert report.receipts[0].describe() == (
        "Viewed by Dana Lee (manager, coaching: 'objection handling') on 3 Dec, 14:02"
    )


def test_a_missing_number_and_a_missing_newest_receipt_are_warnings(org, rules):
    documents = chain(org, rules, 3)
    seen = {seq: signed.document_hash(d) for seq, d in documents.items()}
    del documents[2], documents[3]
    report = verify_chain(documents, rules, "alice", seen)
    assert report.warnings == [
        "Receipt 2 is missing from the organisation's store.",
        "Receipt 3 is missing from the organisation's store.",
    ]


def test_a_receipt_re_signed_by_its_reviewer_after_the_fact_breaks_the_next_link(org, rules):
    documents = chain(org, rules, 3)
    body = dict(documents[2]["body"], reason="routine")
    documents[2] = signed.sign(body, "dana", org.keys["dana"])  # a valid signature, new text
    report = verify_chain(documents, rules, "alice", {})
    assert report.warnings == ["Receipt 3 does not follow the receipt before it."]


def test_a_receipt_signed_by_someone_the_policy_does_not_name_is_a_warning(org, rules):
    documents = chain(org, rules, 1)
    documents[1] = signed.sign(documents[1]["body"], "intruder", org.keys["intruder"])
    (warning,) = verify_chain(documents, rules, "alice", {}).warnings
    assert "who is not a reviewer in the policy" in warning


def test_another_reps_receipt_is_not_accepted_as_this_reps(org, rules):
    documents = chain(org, rules, 1)
    assert verify_chain(documents, rules, "bob", {}).warnings == [
        "Receipt 1 is not this rep's receipt of that number."
    ]


def test_receipts_the_rep_cannot_read_at_the_start_wait_for_the_key(org, rules):
    from companion.core.access.receipts import NOT_FOR_YOU

    documents = chain(org, rules, 3)
    found = {1: NOT_FOR_YOU, 2: NOT_FOR_YOU, 3: documents[3]}
    report = verify_chain(found, rules, "alice", {})
    assert report.warnings == [] and report.waiting == [1, 2]
    assert [r.seq for r in report.receipts] == [3]
    assert report.waiting_words().startswith("Receipts 1 to 2: waiting for your key.")


def test_an_unreadable_receipt_after_a_readable_one_or_seen_before_is_a_warning(org, rules):
    from companion.core.access.receipts import NOT_FOR_YOU

    documents = chain(org, rules, 3)
    after = verify_chain({1: documents[1], 2: NOT_FOR_YOU, 3: documents[3]}, rules, "alice", {})
    assert after.waiting == [] and after.warnings == [f"Receipt 2 cannot be read: {NOT_FOR_YOU}."]
    seen = {1: signed.document_hash(documents[1])}
    before = verify_chain({1: NOT_FOR_YOU, 2: documents[2]}, rules, "alice", seen)
    assert before.waiting == [] and len(before.warnings) == 1
