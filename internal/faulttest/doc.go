// Package faulttest holds the black-box cluster fault tests of issue 7:
// parkmate nodes run as real subprocesses on one PostgreSQL database, each
// reaching Redis through a proxy of its own (internal/faultnet) that a test
// can cut, and the tests check, by notification id, the contract's
// "Guarantees in a cluster": every committed notification reaches every
// live socket of its user within 10 seconds, exactly once and in order,
// and a client resuming with since never skips one.
//
// They need PARKMATE_BIN (a built ./cmd/parkmate), PARKMATE_TEST_POSTGRES_URL
// and PARKMATE_TEST_REDIS_URL, and redis-server on PATH for the test that
// kills Redis; without them they skip, or fail under
// PARKMATE_REQUIRE_SERVICES=1.
package faulttest
