#!/usr/bin/env python3
"""The registry's own time for the requests of one `notary sign`, with no client work at all.

    registry-floor.py HOST:PORT REPOSITORY tag|api SUBJECT_DIGEST...

Sends, for each subject (a manifest already in REPOSITORY), exactly what `notary sign` sends once
its caches are warm, over kept-alive connections, and prints the median and mean milliseconds per
subject. The envelope is random bytes (registries do not look inside it).

- `tag` (docker-registry, referrers tag schema): {POST upload session, HEAD subject, GET tag
  index} at once, then PUT envelope, PUT signature manifest, PUT tag index.
- `api` (a registry with the referrers API, `--force-referrers-tag=false`): HEAD subject, then the
  envelope in one POST, then PUT signature manifest.

A client cannot sign faster than this against the same registry; `compare-notation.sh` prints
notation's time over it next to notary's ratio.
"""

import hashlib
import http.client
import json
import os
import statistics
import sys
import threading
import time

EMPTY = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"


def sha(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def main():
    if len(sys.argv) < 5 or sys.argv[3] not in ("tag", "api"):
        sys.exit(__doc__)
    host, port = sys.argv[1].rsplit(":", 1)
    repo, pattern, subjects = sys.argv[2], sys.argv[3], sys.argv[4:]

    def conn():
        c = http.client.HTTPConnection(host, int(port))
        c.connect()
        return c

    def call(c, method, path, body=None, headers=None, ok=(200, 201, 202, 404)):
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        r.read()
        if r.status not in ok:
            sys.exit(f"{method} {path}: HTTP {r.status}")
        return r

    # The empty config blob is there once per repository; notary remembers that in its cache.
    c = conn()
    loc = call(c, "POST", f"/v2/{repo}/blobs/uploads/", b"").getheader("Location")
    call(c, "PUT", f"{loc}{'&' if '?' in loc else '?'}digest={EMPTY}", b"{}")

    times = []
    for subj in subjects:
        c1, c2, c3 = conn(), conn(), conn()
        env = os.urandom(2152)
        got = {}
        t0 = time.perf_counter()

        def head():
            r = call(c2, "HEAD", f"/v2/{repo}/manifests/{subj}",
                     headers={"Accept": "application/vnd.oci.image.manifest.v1+json"})
            got["size"] = int(r.getheader("Content-Length"))

        if pattern == "tag":
            def post():
                got["loc"] = call(c1, "POST", f"/v2/{repo}/blobs/uploads/", b"").getheader("Location")

            def index():
                call(c3, "GET", f"/v2/{repo}/manifests/sha256-{subj[7:]}",
                     headers={"Accept": "application/vnd.oci.image.index.v1+json"})

            threads = [threading.Thread(target=f) for f in (post, head, index)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            loc = got["loc"]
            call(c1, "PUT", f"{loc}{'&' if '?' in loc else '?'}digest={sha(env)}", env,
                 {"Content-Type": "application/octet-stream"}, ok=(201,))
        else:
            head()
            call(c1, "POST", f"/v2/{repo}/blobs/uploads/?digest={sha(env)}", env,
                 {"Content-Type": "application/octet-stream"}, ok=(201,))
        manifest = json.dumps({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "artifactType": "application/vnd.cncf.notary.signature",
            "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": EMPTY, "size": 2},
            "layers": [{"mediaType": "application/jose+json", "digest": sha(env), "size": len(env)}],
            "subject": {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": subj,
                        "size": got["size"]},
        }).encode()
        call(c1, "PUT", f"/v2/{repo}/manifests/{sha(manifest)}", manifest,
             {"Content-Type": "application/vnd.oci.image.manifest.v1+json"}, ok=(201,))
        if pattern == "tag":
            index = json.dumps({
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.index.v1+json",
                "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                               "digest": sha(manifest), "size": len(manifest),
                               "artifactType": "application/vnd.cncf.notary.signature"}],
            }).encode()
            call(c1, "PUT", f"/v2/{repo}/manifests/sha256-{subj[7:]}", index,
                 {"Content-Type": "application/vnd.oci.image.index.v1+json"}, ok=(201,))
        times.append((time.perf_counter() - t0) * 1000)
        for c in (c1, c2, c3):
            c.close()
    print(f"{statistics.median(times):.1f} {statistics.mean(times):.1f}")


if __name__ == "__main__":
    main()
