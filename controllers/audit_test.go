// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package controllers_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/controllers"
	"github.com/scim-operator/scim-operator/internal/audit"
	"github.com/scim-operator/scim-operator/internal/operator"
	"github.com/scim-operator/scim-operator/internal/suite"
	"github.com/scim-operator/scim-operator/scimwebhook"
)

// stream is a process's standard output, as a log collector reads it.
type stream struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *stream) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p) //nolint:wrapcheck // a bytes.Buffer does not fail
}

// records are the audit records in the stream, every line parsed whole.
func (s *stream) records() []audit.Record {
	GinkgoHelper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []audit.Record
	lines := bufio.NewScanner(bytes.NewReader(s.buf.Bytes()))
	for lines.Scan() {
		var r audit.Record
		dec := json.NewDecoder(bytes.NewReader(lines.Bytes()))
		dec.DisallowUnknownFields()
		Expect(dec.Decode(&r)).To(Succeed(), "an audit line that is not a record: %s", lines.Text())
		Expect(r.Audit).To(Equal(audit.Version))
		out = append(out, r)
	}
	return out
}

var _ = Describe("The audit trail", func() {
	It("records each change to a person by userName, the refused write and the purge included, and never a value or a token", func() {
		ns := newNamespace()
		token := strings.Repeat("audit-token-", 4)
		Expect(k8sClient.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "acme-token", Labels: tokenLabel},
			Data:       map[string][]byte{"token": []byte(token)},
		})).To(Succeed())
		Expect(k8sClient.Create(ctx, newTenant(ns, "acme", "acme-token"))).To(Succeed())
		out := trail
		server := env.StartOperator(operator.Options{Role: operator.RoleServer, Audit: audit.New(out), SCIM: scimwebhook.Options{BaseURL: testBaseURL}})
		DeferCleanup(server.Stop)
		base := fmt.Sprintf("http://%s%s/%s/acme", server.Server.Addr(), v1alpha1.SCIMPathPrefix, ns)
		Eventually(func() int {
			status, _ := scimDo(http.MethodGet, base+"/ServiceProviderConfig", token, "")
			return status
		}).WithTimeout(30 * time.Second).Should(Equal(http.StatusOK))

		By("provisioning, refusing a duplicate, changing and deactivating a person")
		status, body := scimDo(http.MethodPost, base+"/Users", token, `{"userName":"ada@example.com","externalId":"ext-ada","name":{"givenName":"Augusta"}}`)
		Expect(status).To(Equal(http.StatusCreated), "%s", body)
		var ada struct{ ID string }
		Expect(json.Unmarshal(body, &ada)).To(Succeed())
		status, _ = scimDo(http.MethodPost, base+"/Users", token, `{"userName":"ADA@example.com"}`)
		Expect(status).To(Equal(http.StatusConflict))
		status, body = scimDo(http.MethodPatch, base+"/Users/"+ada.ID, token,
			`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"name.givenName","value":"Ada"}]}`)
		Expect(status).To(Equal(http.StatusOK), "%s", body)
		status, body = scimDo(http.MethodPatch, base+"/Users/"+ada.ID, token,
			`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}`)
		Expect(status).To(Equal(http.StatusOK), "%s", body)

		By("putting her in a group with a member id that is no one's")
		status, body = scimDo(http.MethodPost, base+"/Groups", token,
			fmt.Sprintf(`{"displayName":"Analysts","members":[{"value":%q},{"value":"stale-0001"}]}`, ada.ID))
		Expect(status).To(Equal(http.StatusCreated), "%s", body)

		By("deleting her, and purging her when the retention ends")
		status, _ = scimDo(http.MethodDelete, base+"/Users/"+ada.ID, token, "")
		Expect(status).To(Equal(http.StatusNoContent))
		key := client.ObjectKey{Namespace: ns, Name: ada.ID}
		later := controllers.NewReconcilers(running.Manager, controllers.Options{
			SCIMBaseURL: testBaseURL, Namespace: suite.OperatorNamespace, Audit: audit.New(out),
			Clock: clocktesting.NewFakeClock(time.Now().Add(2 * v1alpha1.DefaultSoftDeleteRetention)),
		})
		Eventually(func() bool {
			reconcile(later.Users, key)
			return apierrors.IsNotFound(k8sClient.Get(ctx, key, &v1alpha1.ScimUser{}))
		}).Should(BeTrue(), "the user is purged")

		records := out.records()
		var actions []audit.Action
		for _, r := range records {
			if r.Tenant != ns+"/acme" || (r.UserName != "ada@example.com" && r.UserName != "ADA@example.com") {
				continue
			}
			actions = append(actions, r.Action)
			Expect(r.Tenant).To(Equal(ns + "/acme"))
			Expect(r.Kind).To(Equal("User"))
			Expect(r.Time).To(BeTemporally("~", time.Now(), time.Minute))
			switch r.Action {
			case audit.Refused:
				Expect(r.Outcome).To(Equal(audit.Failed))
				Expect(r.Status).To(Equal(http.StatusConflict))
				Expect(r.Detail).To(ContainSubstring(ada.ID), "the refusal names the holder")
			case audit.Purged:
				Expect(r.Actor).To(Equal(audit.Operator))
				Expect(r.ID).To(Equal(ada.ID))
				Expect(r.ExternalID).To(Equal("ext-ada"))
			default:
				Expect(r.Outcome).To(Equal(audit.Succeeded))
				Expect(r.Actor).To(Equal(audit.IdentityProvider))
				Expect(r.ID).To(Equal(ada.ID))
				Expect(r.RequestID).NotTo(BeEmpty())
				Expect(r.UserAgent).To(ContainSubstring("Go-http-client"))
			}
			if r.Action == audit.Updated {
				Expect(r.Changed).To(Equal([]string{"name.givenName"}))
			}
		}
		Expect(actions).To(Equal([]audit.Action{audit.Created, audit.Refused, audit.Updated, audit.Deactivated, audit.Deleted, audit.Purged}))

		Eventually(func() []string {
			var members []string
			for _, r := range out.records() {
				if r.Tenant == ns+"/acme" && r.Kind == "Group" && r.DisplayName == "Analysts" && r.Members != nil {
					members = append(members, fmt.Sprintf("%s %s %d %v", r.Actor, r.Action, r.Members.Count, r.Members.IDs))
				}
			}
			return members
		}).Should(ConsistOf(
			fmt.Sprintf("%s %s 1 [%s]", audit.IdentityProvider, audit.MembersAdded, ada.ID),
			fmt.Sprintf("%s %s 1 [stale-0001]", audit.IdentityProvider, audit.MembersSkipped),
			fmt.Sprintf("%s %s 1 [%s]", audit.Operator, audit.MembersRemoved, ada.ID)), "the deleted user is taken out of the group by the reconcilers")

		out.mu.Lock()
		defer out.mu.Unlock()
		for _, never := range []string{token, "Augusta", `"Ada"`} {
			Expect(out.buf.String()).NotTo(ContainSubstring(never), "the trail carries a value or a token")
		}
	})
})
