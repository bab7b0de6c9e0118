"""One witness check against a server (docs/protocol.md §9, §14): fetch the manifest, every head,
the leaves and a consistency proof, let :func:`crypto.witness.check_and_cosign` decide, post the
cosignature and keep the new state.

Only the fetching and the files are here; every decision is in :mod:`crypto.witness`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from crypto import witness
from crypto.formats import files, jsonfile
from crypto.formats import witness as witness_files
from crypto.formats.errors import CheckFailed, FormatError

from ..sign.errors import BadReply, ServerRefused, ServerUnreachable
from ..sign.http import JsonApi

LEAVES_PER_CALL = 1000


@dataclass(frozen=True)
class Result:
    """What one check did: the head it cosigned and whether that head was new to this witness."""

    head: witness.Head
    new: bool
    stored: bool


def _fetch(call: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """One request; a server error (5xx) is network trouble, not a refusal."""
    try:
        return call()
    except ServerRefused as exc:
        if exc.status >= 500:
            raise ServerUnreachable(f"the server failed (HTTP {exc.status}): {exc.message}") from None
        raise


def _package(api: JsonApi, base: str) -> files.ManifestPackage:
    doc = _fetch(lambda: api.get(f"{base}/manifest"))
    try:  # {"manifest", "ctx"} (as the API serves it) or a whole ceremony package
        obj = jsonfile.Obj(doc, "the server's manifest").exact_keys({"manifest", "ctx"}, {"v", "kind"})
        return files.parse_manifest_package(obj)
    except CheckFailed as exc:
        raise BadReply(str(exc)) from None


def _hex(value: object, where: str, size: int) -> bytes:
    try:
        return jsonfile.unhex(value, where, size=size)
    except FormatError as exc:
        raise BadReply(str(exc)) from None


def _heads(api: JsonApi, base: str, manifest: files.Manifest) -> list[witness.Head]:
    doc = _fetch(lambda: api.get(f"{base}/log/heads"))
    try:
        obj = jsonfile.Obj(doc, "the server's heads").exact_keys({"log_id", "log_key", "heads"})
        if obj.raw("log_id", max_size=64) != manifest.log_id or obj.raw("log_key", size=32) != manifest.log_key:
            raise BadReply("the server's heads name another log id or log key than the manifest")
        heads = []
        for number, item in enumerate(obj.objects("heads"), start=1):
            item.exact_keys({"batch", "size", "timestamp", "root", "signature", "cosignatures"})
            if item.integer("batch") != number:
                raise BadReply(f"{item.where}: heads must be listed by batch from 1")
            listed = item.child("cosignatures")
            cosignatures = tuple((_hex(key, f"{listed.where}: key", 32), listed.raw(key, size=64))
                                 for key in sorted(listed.data))
            heads.append(witness.Head(item.integer("size"), item.integer("timestamp"), item.raw("root", size=32),
                                      item.raw("signature", size=64), cosignatures))
    except FormatError as exc:
        raise BadReply(str(exc)) from None
    return heads


def _leaves(api: JsonApi, base: str, size: int) -> list[bytes]:
    leaves: list[bytes] = []
    while len(leaves) < size:
        start, end = len(leaves), min(size, len(leaves) + LEAVES_PER_CALL)
        path = f"{base}/log/leaves?start={start}&end={end}"
        doc = _fetch(lambda: api.get(path))  # noqa: B023  (called at once, inside this iteration)
        try:
            obj = jsonfile.Obj(doc, "the server's leaves").exact_keys({"start", "leaves"})
            got = [jsonfile.unhex(item, f"{obj.where}: leaf") for item in obj.array("leaves")]
            if obj.integer("start") != start or not got or len(got) > end - start:
                raise BadReply(f"the server answered leaves {start}..{end} with something else")
        except FormatError as exc:
            raise BadReply(str(exc)) from None
        leaves.extend(got)
    return leaves


def _proof(api: JsonApi, base: str, old: int, new: int) -> list[bytes]:
    doc = _fetch(lambda: api.get(f"{base}/log/consistency?from={old}&to={new}"))
    try:
        obj = jsonfile.Obj(doc, "the server's consistency proof").exact_keys({"from", "to", "proof"})
        if (obj.integer("from"), obj.integer("to")) != (old, new):
            raise BadReply("the server answered a consistency proof between other sizes")
        return [jsonfile.unhex(item, f"{obj.where}: proof", size=32) for item in obj.array("proof")]
    except FormatError as exc:
        raise BadReply(str(exc)) from None


@dataclass
class Witness:
    """A witness of one campaign on one server, with its unlocked key, state file and (optionally)
    published head file."""

    api: JsonApi
    slug: str
    key: bytes
    seed: bytes
    state_path: Path
    publish_path: Path | None
    pinned_ctx: bytes | None
    slack: int

    @property
    def base(self) -> str:
        return f"/api/campaigns/{quote(self.slug, safe='')}"

    def _state(self, package: files.ManifestPackage) -> witness.WitnessState:
        if self.state_path.exists():
            state = witness_files.load_state(self.state_path)
            if state.ctx != package.ctx:
                raise witness.WitnessRefusal(witness.WRONG_LOG, "the server now serves another manifest than the one "
                                                                f"pinned in {self.state_path}")
            return state
        if self.pinned_ctx is None:
            raise CheckFailed(f"{self.state_path} does not exist: give --ctx (the manifest hash from the campaign page) "
                              "for the first check, to pin the manifest")
        if package.ctx != self.pinned_ctx:
            raise witness.WitnessRefusal(witness.WRONG_LOG, "the server's manifest does not have the ctx given "
                                                            "with --ctx")
        return witness.initial_state(package.manifest, package.ctx)

    def check(self, now: int) -> Result | None:
        """One check; None when the log has no head yet. Raises WitnessRefusal, BadReply,
        ServerRefused or ServerUnreachable."""
        package = _package(self.api, self.base)
        manifest = package.manifest
        if self.key not in manifest.witnesses:
            raise CheckFailed("this key is not a witness of this campaign (the manifest does not list it)")
        state = self._state(package)
        heads = _heads(self.api, self.base, manifest)
        if not heads:
            return None
        latest = heads[-1]
        proof = _proof(self.api, self.base, state.size, latest.size) if state.size <= latest.size else []
        done = witness.check_and_cosign(
            state=state, manifest=manifest, ctx=package.ctx, latest=latest, heads=heads,
            leaves=_leaves(self.api, self.base, latest.size), proof=proof, now=now, slack=self.slack,
            witness_seed=self.seed)
        witness_files.save_state(self.state_path, done.state)
        if self.publish_path is not None:
            witness_files.publish_head(self.publish_path, witness_files.WitnessHead(
                manifest.campaign_id, self.key, latest.size, latest.timestamp, latest.root, done.cosignature))
        already = dict(latest.cosignatures).get(self.key) == done.cosignature
        if not already:
            _fetch(lambda: self.api.post(f"{self.base}/log/cosignatures", {
                "size": latest.size, "timestamp": latest.timestamp, "root": latest.root.hex(),
                "witness": self.key.hex(), "signature": done.cosignature.hex()}))
        return Result(latest, done.new, not already)
