// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"encoding/json"
	"net/http"
	"os"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/scim-operator/scim-operator/internal/audit"
)

var _ = Describe("kubectl scim history", func() {
	It("lists every change to a user from the audit trail, after the purge too, by userName, externalId or id", func() {
		t := newTenant("acme")
		id := t.createUser(`{"userName":"Hist@example.com","externalId":"ext-hist"}`)
		t.deactivate(id)
		Expect(t.send(http.MethodDelete, "/Users/"+id, "").StatusCode).To(Equal(http.StatusNoContent))
		kubectlScim("purge", "user", id, "-n", t.namespace, "--yes").succeeded()

		actions := func(ref string) []audit.Action {
			var records []audit.Record
			r := kubectlScim("history", "user", ref, "-n", t.namespace, "--from-file", trailFile, "-o", "json")
			Expect(r.err).NotTo(HaveOccurred(), "%s", r.errOut)
			Expect(json.Unmarshal([]byte(r.out), &records)).To(Succeed())
			var out []audit.Action
			for _, rec := range records {
				Expect(rec.ID).To(Equal(id))
				out = append(out, rec.Action)
			}
			return out
		}
		want := []audit.Action{audit.Created, audit.Deactivated, audit.Deleted, audit.Purged}
		Eventually(func() []audit.Action { return actions("hist@example.com") }).Should(Equal(want), "by userName, case-insensitively")
		Expect(actions("ext-hist")).To(Equal(want), "by externalId")
		Expect(actions(id)).To(Equal(want), "by id")

		out := kubectlScim("history", "user", "hist@example.com", "-n", t.namespace, "--from-file", trailFile).succeeded()
		Expect(out).To(MatchRegexp(`(?m)^TIME\s+ACTION\s+OUTCOME\s+ACTOR\s+ID\s+USERNAME\s+DETAIL\s+REQUEST-ID$`))
		Expect(out).To(MatchRegexp(`(?m)^\S+\s+purged\s+succeeded\s+operator\s+` + id + `\s+Hist@example.com\s`))

		By("reading the trail from stdin, among other log lines")
		trail, err := os.ReadFile(trailFile)
		Expect(err).NotTo(HaveOccurred())
		r := kubectlScimIn("2026-12-07T09:00:00Z stdout F not a record\n"+string(trail),
			"history", "user", "ext-hist", "-n", t.namespace, "--from-file", "-", "-o", "json")
		Expect(r.err).NotTo(HaveOccurred())
		Expect(r.out).To(ContainSubstring(`"action": "purged"`))

		By("saying where the trail is when no operator pod's log can be read")
		r = kubectlScim("history", "user", "hist@example.com", "-n", t.namespace)
		Expect(r.err).To(MatchError(And(ContainSubstring("no pod labelled app.kubernetes.io/name=scim-operator"), ContainSubstring("docs/audit.md"))))
	})
})
