// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package scimwebhook_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/scim-operator/scim-operator/internal/operator"
	"github.com/scim-operator/scim-operator/scimwebhook"
)

// writeCertificate writes a self-signed certificate for 127.0.0.1 with
// serial into dir as tls.crt and tls.key, as a cert-manager Secret mounts
// them, and returns it.
func writeCertificate(dir string, serial int64) *x509.Certificate {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	Expect(err).NotTo(HaveOccurred())
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: "scim.test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	Expect(err).NotTo(HaveOccurred())
	keyDER, err := x509.MarshalECPrivateKey(key)
	Expect(err).NotTo(HaveOccurred())
	// Written aside and renamed, as the kubelet swaps a Secret volume's
	// files, so the watcher never reads half a file.
	for name, block := range map[string]*pem.Block{"tls.crt": {Type: "CERTIFICATE", Bytes: der}, "tls.key": {Type: "EC PRIVATE KEY", Bytes: keyDER}} {
		tmp := filepath.Join(dir, "."+name)
		Expect(os.WriteFile(tmp, pem.EncodeToMemory(block), 0o600)).To(Succeed())
		Expect(os.Rename(tmp, filepath.Join(dir, name))).To(Succeed())
	}
	cert, err := x509.ParseCertificate(der)
	Expect(err).NotTo(HaveOccurred())
	return cert
}

var _ = Describe("TLS on the SCIM port", func() {
	It("serves TLS 1.3 with the mounted certificate and takes a renewed one without a restart", func() {
		t := newTenant()
		dir := GinkgoT().TempDir()
		first := writeCertificate(dir, 1)
		op := env.StartOperator(operator.Options{
			Role: operator.RoleServer,
			SCIM: scimwebhook.Options{BaseURL: "https://scim.test.example", TLSCertDir: dir},
		})
		DeferCleanup(op.Stop)

		// served is the serial of the certificate a new TLS 1.3 connection
		// gets, after a request that must succeed.
		served := func(trust *x509.Certificate) (int64, error) {
			pool := x509.NewCertPool()
			pool.AddCert(trust)
			client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS13}}}
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+op.Server.Addr()+t.path("/ServiceProviderConfig"), nil)
			Expect(err).NotTo(HaveOccurred())
			req.Header.Set("Authorization", "Bearer "+t.token)
			resp, err := client.Do(req)
			if err != nil {
				return 0, err
			}
			defer func() { _ = resp.Body.Close() }()
			Expect(resp.StatusCode).To(Equal(http.StatusOK))
			Expect(resp.TLS.Version).To(Equal(uint16(tls.VersionTLS13)))
			return resp.TLS.PeerCertificates[0].SerialNumber.Int64(), nil
		}
		Expect(served(first)).To(BeEquivalentTo(1))

		resp, err := http.Get("http://" + op.Server.Addr() + t.path("/ServiceProviderConfig"))
		if err == nil {
			_ = resp.Body.Close()
			Expect(resp.StatusCode).To(Equal(http.StatusBadRequest), "plain HTTP is not served on a TLS port")
		}

		By("renewing the certificate in place")
		renewed := writeCertificate(dir, 2)
		Eventually(func() (int64, error) { return served(renewed) }).Should(BeEquivalentTo(2))
	})
})
