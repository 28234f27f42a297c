"""The web desk as the service runs at scale: its database on PostgreSQL, its store an S3
bucket with Object Lock (moto on loopback), configured through desk.toml like `serve`."""

from __future__ import annotations

import pytest
from web_desk_client import WebClient, start_play
from web_desk_world import PASSWORD, DeskWorld, free_port, serving


@pytest.fixture(scope="module")
def moto_s3():
    pytest.importorskip("moto.server", reason="moto[server] is a dev dependency")
    from peers.s3 import running_s3

    with running_s3() as peer:
        yield peer


def test_sign_in_list_open_and_stream_on_postgresql_and_s3(
    tmp_path, postgres, moto_s3, monkeypatch
):
    from peers.s3 import TEST_KEY

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", TEST_KEY[0])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", TEST_KEY[1])
    bucket = moto_s3.make_bucket(object_lock=True)
    world = DeskWorld(
        tmp_path,
        database=postgres.new_database(),
        s3={"bucket": bucket, "endpoint": moto_s3.endpoint_url},
    )
    port = free_port()
    world.write(port)
    with serving(world, port) as running:
        dana = WebClient(running.url)
        assert dana.sign_in("dana", PASSWORD).status_code == 303
        listed = dana.get("/web/calls").text
        assert world.calls["alice"] in listed and world.calls["carol"] not in listed
        call = world.calls["alice"]
        dana.get(f"/web/calls/{call}")
        dana.post(f"/web/calls/{call}/why", {"purpose": "coaching", "reason": "at scale"})
        assert "price too high" in dana.get(f"/web/calls/{call}").text
        audio = dana.get(f"/web/calls/{call}/audio/{start_play(dana, call)}")
        assert audio.status_code == 200 and audio.content[:4] == b"OggS"
        assert dana.get(f"/web/calls/{world.calls['carol']}").status_code == 404
    keys = [
        o["Key"]
        for o in moto_s3.client().list_objects_v2(Bucket=bucket, Prefix="receipts/alice/")[
            "Contents"
        ]
    ]
    # viewed, played (Play shows the page again: viewed), each under Object Lock before its read
    assert len(keys) == 3
    head = moto_s3.client().head_object(Bucket=bucket, Key=keys[-1])
    assert head["ObjectLockMode"] == "GOVERNANCE"
