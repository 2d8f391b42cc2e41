# SPDX-License-Identifier: MIT
"""A client of seatmux-dashboard's HTTP API, for the QEMU scenarios and the
OS image's boot test. Python standard library only."""

import http.client
import json
import ssl


class DashboardClient:
    """seatmux-dashboard's API over HTTPS (any certificate: the tests' are
    self-signed), with the session's cookie and token once logged on."""

    def __init__(self, port):
        self.port = port
        self.cookie = self.csrf = None
        self.ctx = ssl.create_default_context()
        self.ctx.check_hostname = False
        self.ctx.verify_mode = ssl.CERT_NONE

    def req(self, method, path, body=None, token=True):
        h = {"Cookie": self.cookie} if self.cookie else {}
        if method == "POST":
            h["Content-Type"] = "application/x-www-form-urlencoded"
            if token and self.csrf:
                h["X-CSRF-Token"] = self.csrf
        c = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.ctx, timeout=60)
        try:
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            return r.status, dict(r.getheaders()), r.read()
        finally:
            c.close()

    def login(self, user, password):
        st, h, data = self.req("POST", "/api/login", "user=%s&password=%s" % (user, password))
        if st == 200:
            self.cookie = h["Set-Cookie"].split(";")[0]
            self.csrf = json.loads(data)["csrf"]
        return st, data

    def action(self, op, station, text=None, token=True):
        body = "op=%s&id=%s" % (op, station) + ("&text=%s" % text if text else "")
        return self.req("POST", "/api/action", body, token)

    @staticmethod
    def error_of(data):
        """The error text of a JSON error reply."""
        try:
            return json.loads(data).get("error", "")
        except ValueError:
            return data[:200]
