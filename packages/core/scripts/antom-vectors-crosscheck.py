#!/usr/bin/env python3
"""Cross-checks test/vectors/antom-signatures.json with the official Antom Python SDK.

For every vector, the SDK's own SignatureTool (com/alipay/ams/api/tools/signature_tool.py of
github.com/alipay/global-open-sdk-python, run from its source) must
  1. sign the vector's message with the vector's private key and produce exactly the vector's signature
     (PKCS#1 v1.5 is deterministic), URL-encoded exactly as in the vector's Signature header, and
  2. verify the vector's Signature header (webhook_tool.check_signature, as for notifications) and the
     URL-encoded signature (signature_tool.verify, as for answers) with the vector's public key.
It also records the SDK pitfall the core avoids: the SDK form-decodes the signature (unquote_plus), so a
signature sent without URL encoding, whose '+' becomes a space, does not verify there.

Usage: python3 antom-vectors-crosscheck.py <extracted SDK root> [vector file]
  extract the SDK with: git -C <mirror> archive HEAD | tar -x -C /tmp/antom-py
Needs the SDK's dependencies `rsa` and `cryptography`. Prints one JSON summary line; exit code 0 when the
SDK agrees on every vector, 1 when it disagrees on any, 2 when it cannot run.
"""

import json
import os
import sys


def pem_body(path):
    with open(path, encoding="ascii") as handle:
        lines = [line.strip() for line in handle if line.strip() and not line.startswith("-----")]
    # One line, as merchants paste keys into the SDK (it adds the PEM markers itself).
    return "".join(lines)


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    sdk_root = sys.argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    vector_file = (
        sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "..", "test", "vectors", "antom-signatures.json")
    )
    sys.path.insert(0, sdk_root)
    try:
        from urllib.parse import quote_plus, unquote_plus

        from com.alipay.ams.api.tools import signature_tool
        from com.alipay.ams.api.tools.webhook_tool import check_signature
    except Exception as error:  # the SDK or its dependencies are missing
        print(json.dumps({"ran": False, "reason": "cannot import the SDK: %s" % error}))
        return 2

    with open(vector_file, encoding="utf-8") as handle:
        data = json.load(handle)
    base = os.path.dirname(os.path.abspath(vector_file))
    keys = {
        name: {
            "private": pem_body(os.path.join(base, files["privateKey"])),
            "public": pem_body(os.path.join(base, files["publicKey"])),
        }
        for name, files in data["keys"].items()
    }

    results = []
    for vector in data["vectors"]:
        key = keys[vector["key"]]
        problems = []
        # The SDK signs the path as given (query included) and the body string as given.
        sdk_signed = signature_tool.sign(
            "POST", vector["path"], vector["clientId"], vector["time"], vector["body"], key["private"]
        )
        if unquote_plus(sdk_signed) != vector["signature"]:
            problems.append("SDK signature differs from the vector")
        header_value = vector["header"].split("signature=")[1]
        if sdk_signed != header_value:
            problems.append("SDK URL-encoding differs from the vector header")
        if quote_plus(vector["signature"]) != header_value:
            problems.append("quote_plus(signature) differs from the vector header")
        message = ("POST", vector["path"], vector["clientId"], vector["time"], vector["body"])

        def verifies(check, signature, label):
            # rsa.verify raises VerificationError rather than returning False; anything raised is a "no".
            try:
                return bool(check(*message, signature, key["public"]))
            except Exception as error:
                if label:
                    problems.append("%s raised %s" % (label, type(error).__name__))
                return False

        if not verifies(check_signature, vector["header"], "check_signature"):
            problems.append("SDK check_signature does not verify the header")
        if not verifies(signature_tool.verify, header_value, "verify"):
            problems.append("SDK verify does not verify the URL-encoded signature")
        # The pitfall: the raw base64 (with '+') sent unencoded; the SDK's unquote_plus turns '+' into ' '.
        raw_ok = verifies(signature_tool.verify, vector["signature"], None)
        results.append(
            {
                "name": vector["name"],
                "agrees": not problems,
                "problems": problems,
                "sdkVerifiesUnencodedSignatureWithPlus": raw_ok,
            }
        )

    agreed = sum(1 for r in results if r["agrees"])
    print(
        json.dumps(
            {
                "ran": True,
                "sdk": data.get("sdk"),
                "vectors": len(results),
                "agreed": agreed,
                "results": results,
            },
            ensure_ascii=False,
        )
    )
    return 0 if agreed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
