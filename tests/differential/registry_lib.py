"""Registries for registries.py: Distribution 2.8 (`docker-registry`) and CNCF Distribution v3
(referrers tag schema only), and olareg (OCI 1.1 referrers API), each on 127.0.0.1 with throwaway storage, raw manifest and
blob pushes to build registry states neither tool would write, and a fault-injecting HTTP proxy
in front of a registry.
"""
import hashlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
SIG_TYPE = "application/vnd.cncf.notary.signature"
EMPTY_TYPE = "application/vnd.oci.empty.v1+json"
SBOM = "application/spdx+json"
JWS = "application/jose+json"
COSE = "application/cose"
ACCEPT = ", ".join([OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST])

# Set by registries.py: the registry binaries, the work directory and the signer
# (`sign(tool, fmt, extra_args, reference)` runs a signing and asserts it succeeded).
BINARIES = {}
WORK = None
SIGNER = None


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def sha256(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def jdump(o):
    return json.dumps(o, separators=(",", ":")).encode()


class Registry:
    """kind: 'd2' (docker-registry 2.8), 'd3' (Distribution v3, same configuration and storage)
    or 'ola' (olareg). Subjects get content derived from
    `seed` (set per case) so that the same case built in several repositories has the same
    subject digests, and signatures made for it by `real_sig` are made once and reused."""

    def __init__(self, kind="d2", delete=True):
        self.kind = kind
        self.sig_cache = {}
        self.lock = threading.Lock()
        self.dir = tempfile.mkdtemp(prefix=f"reg-{kind}-", dir=WORK)
        self.log = open(os.path.join(self.dir, "log"), "w")
        if kind in ("d2", "d3"):
            port = free_port()
            cfg = os.path.join(self.dir, "config.yml")
            with open(cfg, "w") as f:
                f.write("version: 0.1\nlog: {level: info, accesslog: {disabled: true}}\n")
                f.write(f"storage: {{filesystem: {{rootdirectory: {self.dir}/data}}, "
                        f"delete: {{enabled: {'true' if delete else 'false'}}}}}\n")
                f.write(f"http: {{addr: 127.0.0.1:{port}, secret: x}}\n")
            self.proc = subprocess.Popen([BINARIES[kind], "serve", cfg], stdout=self.log, stderr=self.log,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        else:
            port = free_port()
            args = [BINARIES["ola"], "serve", "--addr", "127.0.0.1", "--port", str(port),
                    "--dir", self.dir + "/data", "--gc-frequency", "-1s"]
            if delete:
                args += ["--api-delete"]
            self.proc = subprocess.Popen(args, stdout=self.log, stderr=self.log,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        self.port = port
        self.host = f"127.0.0.1:{port}"
        for _ in range(200):
            try:
                st, _, _ = self.req("GET", "/v2/")
                if st in (200, 401):
                    break
            except OSError:
                time.sleep(0.03)
        else:
            raise RuntimeError("registry did not start")

    def stop(self):
        try:
            os.kill(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    # --- raw HTTP -------------------------------------------------------------------------
    def req(self, method, path, body=None, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        h = {k.lower(): v for k, v in r.getheaders()}
        c.close()
        return r.status, h, data

    def put_blob(self, repo, data, mt="application/octet-stream"):
        d = sha256(data)
        st, h, _ = self.req("HEAD", f"/v2/{repo}/blobs/{d}")
        if st != 200:
            st, h, b = self.req("POST", f"/v2/{repo}/blobs/uploads/")
            assert st == 202, (st, b)
            loc = h["location"]
            if loc.startswith("http"):
                loc = "/" + loc.split("/", 3)[3]
            sep = "&" if "?" in loc else "?"
            st, h, b = self.req("PUT", f"{loc}{sep}digest={d}", body=data,
                                headers={"Content-Type": "application/octet-stream",
                                         "Content-Length": str(len(data))})
            assert st == 201, (st, b)
        return {"mediaType": mt, "digest": d, "size": len(data)}

    def put_manifest(self, repo, ref, data, ct=OCI_MANIFEST, check=True):
        if isinstance(data, (dict, list)):
            data = jdump(data)
        if ref is None:
            ref = sha256(data)
        st, h, b = self.req("PUT", f"/v2/{repo}/manifests/{ref}", body=data,
                            headers={"Content-Type": ct})
        if check:
            assert st == 201, (st, b)
        return {"status": st, "digest": sha256(data), "size": len(data), "body": b}

    def get_manifest(self, repo, ref):
        return self.req("GET", f"/v2/{repo}/manifests/{ref}", headers={"Accept": ACCEPT})

    def delete_manifest(self, repo, digest):
        return self.req("DELETE", f"/v2/{repo}/manifests/{digest}")

    def tags(self, repo):
        st, h, b = self.req("GET", f"/v2/{repo}/tags/list")
        if st != 200:
            return []
        return sorted(json.loads(b).get("tags") or [])

    def referrers(self, repo, digest):
        st, h, b = self.req("GET", f"/v2/{repo}/referrers/{digest}", headers={"Accept": OCI_INDEX})
        return st, b

    def tag_index(self, repo, digest):
        st, h, b = self.get_manifest(repo, "sha256-" + digest.split(":")[1])
        if st != 200:
            return None
        return json.loads(b)

    # --- content ----------------------------------------------------------------------------
    def subject(self, repo, tag="v1", content=None, seed=""):
        """Push a one-layer OCI image manifest; return its descriptor (+ 'raw'). Its content is
        derived from `seed` and `tag` (random without a seed)."""
        content = content or (f"{seed}/{tag}".encode() if seed else os.urandom(16).hex().encode())
        cfg = self.put_blob(repo, b"{}", "application/vnd.oci.image.config.v1+json")
        layer = self.put_blob(repo, content, "application/vnd.oci.image.layer.v1.tar")
        m = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": cfg, "layers": [layer]}
        raw = jdump(m)
        r = self.put_manifest(repo, tag, raw)
        return {"mediaType": OCI_MANIFEST, "digest": r["digest"], "size": r["size"], "raw": raw,
                "content": content, "repo": repo}

    def get_blob(self, repo, d):
        st, h, b = self.req("GET", f"/v2/{repo}/blobs/{d}")
        assert st == 200, (st, d)
        return b

    def real_sig(self, s, tool="notary", fmt="jws", extra_args=(), nth=0):
        """Sign a same-digest copy of subject s in a staging repo; return the signature manifest
        (raw, parsed) and envelope bytes, without touching s's repo. The `nth` signature of a
        subject by the same tool and flags is made once."""
        key = (s["digest"], tool, fmt, tuple(extra_args), nth)
        with self.lock:
            if key in self.sig_cache:
                return self.sig_cache[key]
        stage = "stage" + os.urandom(4).hex()
        if s["mediaType"] == OCI_INDEX:
            for i, c in enumerate(s["children"]):
                self.subject(stage, f"c{i}", content=c["content"])
            self.put_manifest(stage, "t", s["raw"], OCI_INDEX)
        else:
            self.subject(stage, "t", content=s["content"])
        ref = f"{self.host}/{stage}@{s['digest']}"
        SIGNER(tool, fmt, extra_args, ref)
        idx = self.tag_index(stage, s["digest"])
        e = idx["manifests"][-1]
        st, h, raw = self.get_manifest(stage, e["digest"])
        m = json.loads(raw)
        env = self.get_blob(stage, m["layers"][0]["digest"])
        sig = {"mediaType": OCI_MANIFEST, "digest": e["digest"], "size": len(raw), "raw": raw,
               "manifest": m, "envelope": env, "env_mt": m["layers"][0]["mediaType"], "tool": tool,
               "entry": e}
        with self.lock:
            self.sig_cache[key] = sig
        return sig

    def copy_sig(self, repo, sig):
        """Push a real signature (from real_sig) byte-identically into repo."""
        m = sig["manifest"]
        self.put_blob(repo, b"{}", m["config"]["mediaType"])
        self.put_blob(repo, sig["envelope"], sig["env_mt"])
        self.put_manifest(repo, None, sig["raw"])
        return sig

    def index_subject(self, repo, tag="multi", seed=""):
        a = self.subject(repo, tag + "-amd64", seed=seed)
        b = self.subject(repo, tag + "-arm64", seed=seed)
        idx = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [
            {"mediaType": OCI_MANIFEST, "digest": a["digest"], "size": a["size"],
             "platform": {"architecture": "amd64", "os": "linux"}},
            {"mediaType": OCI_MANIFEST, "digest": b["digest"], "size": b["size"],
             "platform": {"architecture": "arm64", "os": "linux"}}]}
        raw = jdump(idx)
        r = self.put_manifest(repo, tag, raw, OCI_INDEX)
        return {"mediaType": OCI_INDEX, "digest": r["digest"], "size": r["size"], "raw": raw,
                "children": [a, b]}

    def sig_manifest(self, repo, subject, envelope, env_mt=JWS, form="old", annotations=None,
                     layers=None, push=True, extra=None, drop=()):
        """Build (and push by digest) a signature manifest around envelope bytes."""
        env_desc = self.put_blob(repo, envelope, env_mt) if envelope is not None else None
        if form == "old":
            cfg = self.put_blob(repo, b"{}", SIG_TYPE)
        else:
            cfg = self.put_blob(repo, b"{}", EMPTY_TYPE)
        m = {"schemaVersion": 2, "mediaType": OCI_MANIFEST}
        if form == "new":
            m["artifactType"] = SIG_TYPE
        m["config"] = cfg
        m["layers"] = layers if layers is not None else [env_desc]
        m["subject"] = {k: subject[k] for k in ("mediaType", "digest", "size")}
        m["annotations"] = annotations if annotations is not None else {
            "io.cncf.notary.x509chain.thumbprint#S256": "[]"}
        if extra:
            m.update(extra)
        for k in drop:
            m.pop(k, None)
        raw = jdump(m)
        if push:
            self.put_manifest(repo, None, raw)
        return {"mediaType": OCI_MANIFEST, "digest": sha256(raw), "size": len(raw), "raw": raw,
                "manifest": m}

    def put_tag_index(self, repo, subject_digest, entries, ct=OCI_INDEX, raw=None, extra=None,
                      check=True):
        idx = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}
        if extra:
            idx.update(extra)
        data = raw if raw is not None else jdump(idx)
        res = self.put_manifest(repo, "sha256-" + subject_digest.split(":")[1], data, ct, check=False)
        if check and res["status"] != 201:
            raise AssertionError(f"tag index PUT refused: {res}")
        return res

    def force_tag(self, repo, tag, data):
        """Distribution only: make `tag` point at arbitrary bytes, bypassing manifest
        validation, by writing the filesystem storage's link files directly."""
        assert self.kind in ("d2", "d3")
        d = self.put_blob(repo, data)["digest"]
        hexd = d.split(":")[1]
        root = f"{self.dir}/data/docker/registry/v2/repositories/{repo}/_manifests"
        for p in (f"{root}/revisions/sha256/{hexd}", f"{root}/tags/{tag}/current",
                  f"{root}/tags/{tag}/index/sha256/{hexd}"):
            os.makedirs(p, exist_ok=True)
            with open(p + "/link", "w") as f:
                f.write(d)
        return d


def entry(sig, artifact_type=SIG_TYPE, annotations=None):
    e = {"mediaType": sig.get("mediaType", OCI_MANIFEST), "digest": sig["digest"], "size": sig["size"]}
    if artifact_type:
        e["artifactType"] = artifact_type
    if annotations is not None:
        e["annotations"] = annotations
    elif sig.get("manifest", {}).get("annotations"):
        e["annotations"] = sig["manifest"]["annotations"]
    return e


class Proxy:
    """Forwards to `upstream` (Registry); `hook(method, path, query, upstream_response)` may
    rewrite responses. mode keys: strip_filter (drop ?artifactType= and OCI-Filters-Applied),
    referrers (callable(status, headers, body, query) -> (status, headers, body))."""

    def __init__(self, upstream, **mode):
        self.up = upstream
        self.mode = mode
        self.log = []
        proxy = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _do(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else None
                u = urlsplit(self.path)
                q = parse_qsl(u.query, keep_blank_values=True)
                is_ref = "/referrers/" in u.path
                if is_ref and proxy.mode.get("strip_filter"):
                    q = [(k, v) for k, v in q if k != "artifactType"]
                path = u.path + ("?" + urlencode(q) if q else "")
                hdrs = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                st, h, b = proxy.up.req(self.command, path, body=body, headers=hdrs)
                if is_ref and proxy.mode.get("strip_filter"):
                    h.pop("oci-filters-applied", None)
                if is_ref and proxy.mode.get("referrers"):
                    st, h, b = proxy.mode["referrers"](st, h, b, dict(parse_qsl(u.query)))
                if proxy.mode.get("any"):
                    st, h, b = proxy.mode["any"](self.command, u.path, st, h, b)
                proxy.log.append((self.command, self.path, st))
                self.send_response(st)
                for k, v in h.items():
                    if k in ("content-length", "transfer-encoding", "connection", "date"):
                        continue
                    if k == "location" and v.startswith("http"):
                        v = "/" + v.split("/", 3)[3]
                    self.send_header(k, v)
                if self.command == "HEAD" and "content-length" in h:
                    self.send_header("Content-Length", h["content-length"])
                else:
                    self.send_header("Content-Length", str(len(b)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(b)

            do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = _do

        self.srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.srv.server_address[1]
        self.host = f"127.0.0.1:{self.port}"
        self.t = threading.Thread(target=self.srv.serve_forever, daemon=True)
        self.t.start()

    def stop(self):
        self.srv.shutdown()
