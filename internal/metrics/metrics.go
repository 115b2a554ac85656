// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

// Package metrics defines the operator's Prometheus metrics, served on the
// manager's metrics endpoint with controller-runtime's own.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/scim-operator/scim-operator/internal/version"
)

var (
	// Requests counts SCIM requests. tenant is "namespace/name" for
	// authenticated requests and empty otherwise, so that unauthenticated
	// clients cannot grow the label set.
	Requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "scim_requests_total",
		Help: "SCIM requests by tenant, resource, method and status code.",
	}, []string{"tenant", "resource", "method", "code"})

	// RequestDuration is the time SCIM requests take.
	RequestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "scim_request_duration_seconds",
		Help:    "Time taken to answer SCIM requests, by resource and method.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"resource", "method"})

	// Users is the number of users of each tenant by phase.
	Users = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "scim_users",
		Help: "Users of each tenant by lifecycle phase.",
	}, []string{"tenant", "phase"})

	// Purges counts users purged at the end of their retention.
	Purges = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "scim_user_purges_total",
		Help: "Users whose data was removed at the end of their retention.",
	}, []string{"tenant"})

	// PurgeBacklog is the number of users whose purge time has passed and
	// who are not purged yet; it should stay near zero.
	PurgeBacklog = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "scim_user_purge_backlog",
		Help: "Users of each tenant whose purge is due but not done.",
	}, []string{"tenant"})

	// UsersWithInvalidAttributes is the number of users of each tenant with
	// a value of an attribute that could not be normalised.
	UsersWithInvalidAttributes = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "scim_users_invalid_attributes",
		Help: "Users of each tenant with values of an attribute that were stored as sent but could not be normalised.",
	}, []string{"tenant", "attribute"})

	// UsersSharingEmail is the number of live users of each tenant whose
	// email of record another live user of the tenant has too.
	UsersSharingEmail = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "scim_users_sharing_email",
		Help: "Live users of each tenant whose email of record another live user of the tenant has too.",
	}, []string{"tenant"})

	// AuthFailures counts requests refused for their token. tenant is
	// "namespace/name" when the tenant the URL names exists, and empty
	// otherwise, so that made-up URLs cannot grow the label set.
	AuthFailures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "scim_auth_failures_total",
		Help: "SCIM requests refused with 401, by the tenant their URL names when it exists.",
	}, []string{"tenant"})

	// TokenObserved is when the operator first saw each tenant's current
	// token, to alert on tokens that are not rotated.
	TokenObserved = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "scim_tenant_token_observed_timestamp_seconds",
		Help: "When the operator first saw each tenant's current bearer token (Unix time).",
	}, []string{"tenant"})

	// TenantCondition is each tenant condition's status, one series per
	// possible status with 1 on the current one, as cert-manager reports
	// certificates, so that an alert can ask for a status directly.
	TenantCondition = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "scim_tenant_condition",
		Help: "Status of each tenant condition: 1 for the status the condition has, 0 for the others.",
	}, []string{"tenant", "condition", "status"})

	// ClaimsCollected counts claims deleted because no identity held them.
	ClaimsCollected = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "scim_claims_collected_total",
		Help: "Uniqueness claims deleted because no identity held them any more.",
	})

	// CacheWaitTimeouts counts writes answered before the replica's cache
	// had seen them: a cache lagging behind the API server, after which a
	// read through the same replica may miss the write.
	CacheWaitTimeouts = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "scim_cache_wait_timeouts_total",
		Help: "SCIM writes answered before this replica's cache had seen them, after waiting the longest it waits.",
	})

	// BuildInfo is always 1; its labels say which release each replica
	// runs, so a rollout that left old replicas behind shows.
	BuildInfo = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "scim_operator_build_info",
		Help: "Always 1, labelled with the operator's version, VCS revision and Go version.",
	}, []string{"version", "revision", "goversion"})
)

// collectors are the operator's own metrics.
var collectors = []prometheus.Collector{Requests, RequestDuration, AuthFailures, Users, Purges, PurgeBacklog, UsersWithInvalidAttributes, UsersSharingEmail, TokenObserved, TenantCondition, ClaimsCollected, CacheWaitTimeouts, BuildInfo}

func init() {
	ctrlmetrics.Registry.MustRegister(collectors...)
	v := version.Get()
	BuildInfo.WithLabelValues(v.Version, v.Revision, v.GoVersion).Set(1)
}

// ForgetTenant drops the gauges of a deleted tenant ("namespace/name").
func ForgetTenant(tenant string) {
	Users.DeletePartialMatch(prometheus.Labels{"tenant": tenant})
	PurgeBacklog.DeleteLabelValues(tenant)
	UsersWithInvalidAttributes.DeletePartialMatch(prometheus.Labels{"tenant": tenant})
	UsersSharingEmail.DeleteLabelValues(tenant)
	TokenObserved.DeleteLabelValues(tenant)
	ForgetTenantConditions(tenant)
}

// conditionStatuses are the statuses a condition may have.
var conditionStatuses = []metav1.ConditionStatus{metav1.ConditionTrue, metav1.ConditionFalse, metav1.ConditionUnknown}

// SetTenantConditions reports a tenant's ("namespace/name") conditions.
func SetTenantConditions(tenant string, conditions []metav1.Condition) {
	for _, c := range conditions {
		for _, s := range conditionStatuses {
			v := 0.0
			if c.Status == s {
				v = 1
			}
			TenantCondition.WithLabelValues(tenant, c.Type, string(s)).Set(v)
		}
	}
}

// ForgetTenantConditions drops the condition series of a deleted tenant.
func ForgetTenantConditions(tenant string) {
	TenantCondition.DeletePartialMatch(prometheus.Labels{"tenant": tenant})
}
