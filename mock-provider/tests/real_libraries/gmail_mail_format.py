"""Reads every message of a mailbox as Google's own samples do and checks
it is mail a real Gmail would hand out: `format=raw` decodes with
`base64.urlsafe_b64decode` (no padding added by hand), the text is
RFC 5322 with CRLF line endings, `Date` parses with
`email.utils.parsedate_to_datetime`, and `payload.body.data` decodes the
same way to the message's body; header lines are ASCII, none longer than
RFC 5322's 998 characters, and the `From` address parses (an encoded display
name never swallows the address). Standard library only. Reads
{"base": …, "token": …} on stdin; prints one JSON line of counts and the
first few problems.
"""

import base64
import email
import email.policy
import email.utils
import json
import sys
import urllib.request


def get(base, token, path):
    request = urllib.request.Request(base + path, headers={"Authorization": "Bearer " + token})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)


def main() -> None:
    config = json.load(sys.stdin)
    base, token = config["base"] + "/gmail/v1/users/me", config["token"]
    ids, page = [], ""
    while True:
        listing = get(base, token, "/messages?maxResults=50" + (f"&pageToken={page}" if page else ""))
        ids += [m["id"] for m in listing.get("messages", [])]
        page = listing.get("nextPageToken")
        if not page:
            break
    seen = {"messages": len(ids), "raw_decoded": 0, "dates_parsed": 0, "crlf_only": 0,
            "body_decoded": 0, "headers_ascii": 0, "lines_within_998": 0,
            "subjects": [], "from_addresses": [], "problems": []}
    for message_id in ids:
        try:
            raw = base64.urlsafe_b64decode(get(base, token, f"/messages/{message_id}?format=raw")["raw"])
            seen["raw_decoded"] += 1
            if b"\n" not in raw.replace(b"\r\n", b""):
                seen["crlf_only"] += 1
            head = raw.split(b"\r\n\r\n", 1)[0]
            if head.isascii():
                seen["headers_ascii"] += 1
            if all(len(line) <= 998 for line in raw.split(b"\r\n")):
                seen["lines_within_998"] += 1
            mail = email.message_from_bytes(raw, policy=email.policy.default)
            email.utils.parsedate_to_datetime(mail["Date"])
            seen["dates_parsed"] += 1
            seen["subjects"].append(str(mail["Subject"]))
            seen["from_addresses"] += [a.addr_spec for a in mail["From"].addresses]
            full = get(base, token, f"/messages/{message_id}")
            data = base64.urlsafe_b64decode(full["payload"]["body"]["data"])
            if data.decode("utf-8") == mail.get_content().replace("\r\n", "\n").rstrip("\n") or \
                    data.decode("utf-8").replace("\r\n", "\n") == mail.get_content().replace("\r\n", "\n"):
                seen["body_decoded"] += 1
            else:
                seen["problems"].append(f"{message_id}: body.data differs from the raw body")
        except Exception as error:  # noqa: BLE001 - every failure is reported
            seen["problems"].append(f"{message_id}: {type(error).__name__}: {error}")
    seen["problems"] = seen["problems"][:5]
    print(json.dumps(seen))


if __name__ == "__main__":
    main()
