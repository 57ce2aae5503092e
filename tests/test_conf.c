/*
 * Unit tests of src/conf.c: every token of vsacctd.conf, the lexical rules
 * (comments, blanks, CRLF, case), every error with its "FILE:LINE: TOKEN: "
 * prefix, Net-SNMP's foreign lines, and reading real files.
 *
 * Error cases put the bad line after a fixed preamble (PRE: one network and
 * one VM, lines 1 and 2) and a valid line after it, then check that the
 * conf holds the preamble only: parsing stopped at the bad line and the bad
 * line left nothing behind.
 */
#include "runner.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "sources.h"

#define FILE_NAME "t.conf"
#define UUID_LC "8a3c1d2e-0b4f-4c6d-9e8f-0123456789ab"
#define UUID_UC "8A3C1D2E-0B4F-4C6D-9E8F-0123456789AB"
#define PRE "network lan0 br0\n" \
	    "vm web01 uuid=" UUID_LC "\n"

/* ---- helpers ---------------------------------------------------------- */

/* What a conf holds, to compare after an error. capture 0: the default. */
struct counts {
	size_t nets, vms, vnics, foreign;
	size_t capture;
};

static const struct counts PRE_COUNTS = { 1, 1, 0, 0, 0 };

/* Net-SNMP's side, as the agent will pass it: knows two tokens, compared
 * case-insensitively. Records the last token it was asked about. */
static char last_foreign_query[CONF_LINE_MAX + 1];

static bool netsnmp_knows(const char *token)
{
	snprintf(last_foreign_query, sizeof last_foreign_query, "%s", token);
	return !strcasecmp(token, "agentXSocket") || !strcasecmp(token, "agentXPingInterval");
}

/* Asserts that msg starts with prefix and contains reason; a failure shows
 * the message. */
static void check_message(const char *msg, const char *prefix, const char *reason,
			  unsigned line)
{
	char what[CONF_ERROR_MAX + 400];
	snprintf(what, sizeof what, "error \"%s\" starts with \"%s\"", msg, prefix);
	CU_assertImplementation(strncmp(msg, prefix, strlen(prefix)) == 0, line, what,
				__FILE__, "", CU_FALSE);
	snprintf(what, sizeof what, "error \"%s\" contains \"%s\"", msg, reason);
	CU_assertImplementation(strstr(msg, reason) != NULL, line, what, __FILE__, "",
				CU_FALSE);
}

static void check_counts(const struct conf *conf, struct counts want, unsigned line)
{
	char what[200];
	size_t capture = want.capture ? want.capture : CONF_DEFAULT_CAPTURE_BUFFER;
	snprintf(what, sizeof what,
		 "conf holds %zu networks, %zu VMs, %zu vNICs, %zu foreign, buffer %zu "
		 "(has %zu, %zu, %zu, %zu, %zu)",
		 want.nets, want.vms, want.vnics, want.foreign, capture, conf->n_networks,
		 conf->n_vms, conf->n_vnics, conf->n_foreign, conf->capture_buffer);
	CU_assertImplementation(conf->n_networks == want.nets && conf->n_vms == want.vms &&
					conf->n_vnics == want.vnics &&
					conf->n_foreign == want.foreign &&
					conf->capture_buffer == capture,
				line, what, __FILE__, "", CU_FALSE);
}

/* Parses text (as file FILE_NAME) into a new conf, asserting success. */
static struct conf *parse_ok_at(const char *text, conf_foreign_fn is_foreign,
				unsigned line)
{
	struct conf *conf = conf_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(conf);
	conf->is_foreign = is_foreign;
	struct conf_error err = { "" };
	int rc = conf_parse_buffer(conf, FILE_NAME, text, strlen(text), &err);
	char what[CONF_ERROR_MAX + 100];
	snprintf(what, sizeof what, "parse succeeds (error: \"%s\")", err.msg);
	CU_assertImplementation(rc == 0, line, what, __FILE__, "", CU_FALSE);
	return conf;
}
#define PARSE_OK(text) parse_ok_at((text), NULL, __LINE__)
#define PARSE_OK_FOREIGN(text) parse_ok_at((text), netsnmp_knows, __LINE__)

/* Parses text, asserting failure with prefix and reason, and that the conf
 * then holds want (the lines before the bad one) and nothing after it. */
static void expect_error_at(const char *text, conf_foreign_fn is_foreign,
			    const char *prefix, const char *reason, struct counts want,
			    unsigned line)
{
	struct conf *conf = conf_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(conf);
	conf->is_foreign = is_foreign;
	struct conf_error err;
	memset(&err, 0, sizeof err);
	int rc = conf_parse_buffer(conf, FILE_NAME, text, strlen(text), &err);
	CU_assertImplementation(rc == -1, line, "conf_parse_buffer returns -1", __FILE__, "",
				CU_FALSE);
	check_message(err.msg, prefix, reason, line);
	check_counts(conf, want, line);
	CU_assertImplementation(conf_find_vm(conf, "after_error") == NULL, line,
				"the line after the error is not parsed", __FILE__, "", CU_FALSE);
	conf_free(conf);
}

/* PRE, then bad as line 3, then a valid line 4. */
static void expect_bad_line_at(const char *bad, conf_foreign_fn is_foreign,
			       const char *prefix, const char *reason, unsigned line)
{
	size_t n = strlen(PRE) + strlen(bad) + 64;
	char *text = malloc(n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	snprintf(text, n, "%s%s\nvm after_error\n", PRE, bad);
	expect_error_at(text, is_foreign, prefix, reason, PRE_COUNTS, line);
	free(text);
}
#define EXPECT_BAD_LINE(bad, prefix, reason) \
	expect_bad_line_at((bad), NULL, (prefix), (reason), __LINE__)
#define EXPECT_ERROR(text, prefix, reason, ...) \
	expect_error_at((text), NULL, (prefix), (reason), (struct counts){ __VA_ARGS__ }, __LINE__)

/* A string of n copies of c after head; caller frees. */
static char *repeat(const char *head, char c, size_t n, const char *tail)
{
	size_t h = strlen(head), t = strlen(tail);
	char *s = malloc(h + n + t + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	memcpy(s, head, h);
	memset(s + h, c, n);
	memcpy(s + h + n, tail, t + 1);
	return s;
}

static bool mac_equals(const uint8_t mac[MAC_LEN], const char *text)
{
	uint8_t want[MAC_LEN];
	return mac_parse(text, want) == 0 && memcmp(mac, want, MAC_LEN) == 0;
}

/* ---- accepted input ---------------------------------------------------- */

static void test_conf_defaults(void)
{
	struct conf *conf = conf_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(conf);
	CU_ASSERT_PTR_NULL(conf->is_foreign);
	CU_ASSERT_EQUAL(conf->n_networks, 0);
	CU_ASSERT_EQUAL(conf->n_vms, 0);
	CU_ASSERT_EQUAL(conf->n_vnics, 0);
	CU_ASSERT_EQUAL(conf->n_foreign, 0);
	CU_ASSERT_EQUAL(conf->capture_buffer, CONF_DEFAULT_CAPTURE_BUFFER);
	CU_ASSERT_EQUAL(conf->capture_buffer, 32u << 20);
	conf_free(conf);
	conf_free(NULL); /* like free(): nothing to do */
}

static void test_conf_empty_buffer(void)
{
	struct conf *conf = PARSE_OK("");
	check_counts(conf, (struct counts){ 0, 0, 0, 0, 0 }, __LINE__);
	conf_free(conf);
}

static void test_conf_network(void)
{
	struct conf *conf = PARSE_OK("network lan0 br0\nnetwork dmz virbr1\n");
	CU_ASSERT_EQUAL_FATAL(conf->n_networks, 2);
	CU_ASSERT_STRING_EQUAL(conf->networks[0].name, "lan0");
	CU_ASSERT_STRING_EQUAL(conf->networks[0].bridge, "br0");
	CU_ASSERT_STRING_EQUAL(conf->networks[1].name, "dmz");
	CU_ASSERT_STRING_EQUAL(conf->networks[1].bridge, "virbr1");
	conf_free(conf);
}

static void test_conf_network_name_and_bridge_at_limits(void)
{
	/* 255-character name, 15-character bridge: the largest accepted. */
	char *name = repeat("", 'n', CONF_NAME_MAX, "");
	char text[CONF_LINE_MAX];
	snprintf(text, sizeof text, "network %s abcdefghijklmno\n", name);
	struct conf *conf = PARSE_OK(text);
	CU_ASSERT_EQUAL_FATAL(conf->n_networks, 1);
	CU_ASSERT_STRING_EQUAL(conf->networks[0].name, name);
	CU_ASSERT_STRING_EQUAL(conf->networks[0].bridge, "abcdefghijklmno");
	conf_free(conf);
	free(name);

	/* Any visible ASCII, dots included, other than "." and "..". */
	conf = PARSE_OK("network n.1 br.10\nnetwork n-2 ...\nnetwork ~!@$%^&*() .a\n");
	CU_ASSERT_EQUAL_FATAL(conf->n_networks, 3);
	CU_ASSERT_STRING_EQUAL(conf->networks[1].bridge, "...");
	CU_ASSERT_STRING_EQUAL(conf->networks[2].name, "~!@$%^&*()");
	conf_free(conf);
}

static void test_conf_vm_without_uuid(void)
{
	struct conf *conf = PARSE_OK("vm web01\nvm db01\n");
	CU_ASSERT_EQUAL_FATAL(conf->n_vms, 2);
	CU_ASSERT_STRING_EQUAL(conf->vms[0].name, "web01");
	CU_ASSERT_STRING_EQUAL(conf->vms[0].uuid, "");
	CU_ASSERT_STRING_EQUAL(conf->vms[1].name, "db01");
	CU_ASSERT_STRING_EQUAL(conf->vms[1].uuid, "");
	conf_free(conf);
}

static void test_conf_vm_with_uuid(void)
{
	struct conf *conf = PARSE_OK("vm web01 uuid=" UUID_LC "\n"
				     "vm web02 UUID=" UUID_UC "\n");
	CU_ASSERT_EQUAL_FATAL(conf->n_vms, 2);
	CU_ASSERT_STRING_EQUAL(conf->vms[0].uuid, UUID_LC);
	/* Stored in lower case, however written. */
	CU_ASSERT_STRING_EQUAL(conf->vms[1].uuid, UUID_LC);
	CU_ASSERT_EQUAL(strlen(conf->vms[1].uuid), CONF_UUID_LEN);
	conf_free(conf);
}

static void test_conf_vnic_with_ifname(void)
{
	struct conf *conf = PARSE_OK("vm web01\nvm db01\n"
				     "vnic db01 52:54:00:12:34:56 vnet0\n"
				     "vnic web01 52:54:00:AB:CD:EF tap-web01\n");
	CU_ASSERT_EQUAL_FATAL(conf->n_vnics, 2);
	CU_ASSERT_STRING_EQUAL(conf->vms[conf->vnics[0].vm_index].name, "db01");
	CU_ASSERT_EQUAL(conf->vnics[0].vm_index, 1);
	CU_ASSERT_TRUE(mac_equals(conf->vnics[0].mac, "52:54:00:12:34:56"));
	CU_ASSERT_STRING_EQUAL(conf->vnics[0].ifname, "vnet0");
	CU_ASSERT_STRING_EQUAL(conf->vms[conf->vnics[1].vm_index].name, "web01");
	CU_ASSERT_EQUAL(conf->vnics[1].vm_index, 0);
	CU_ASSERT_TRUE(mac_equals(conf->vnics[1].mac, "52:54:00:ab:cd:ef"));
	CU_ASSERT_STRING_EQUAL(conf->vnics[1].ifname, "tap-web01");
	conf_free(conf);
}

static void test_conf_vnic_without_ifname(void)
{
	/* Several vNICs without a host interface: "" is not a duplicate. */
	struct conf *conf = PARSE_OK("vm web01\n"
				     "vnic web01 52:54:00:00:00:01\n"
				     "vnic web01 2:4:0:a:b:c\n"
				     "vnic web01 52:54:00:00:00:03 vnet3\n");
	CU_ASSERT_EQUAL_FATAL(conf->n_vnics, 3);
	CU_ASSERT_STRING_EQUAL(conf->vnics[0].ifname, "");
	CU_ASSERT_TRUE(mac_equals(conf->vnics[0].mac, "52:54:00:00:00:01"));
	CU_ASSERT_STRING_EQUAL(conf->vnics[1].ifname, "");
	CU_ASSERT_TRUE(mac_equals(conf->vnics[1].mac, "02:04:00:0a:0b:0c"));
	CU_ASSERT_STRING_EQUAL(conf->vnics[2].ifname, "vnet3");
	for (size_t i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(conf->vnics[i].vm_index, 0);
	conf_free(conf);
}

static void test_conf_capture_buffer_sizes(void)
{
	static const struct {
		const char *text;
		size_t bytes;
	} cases[] = {
		{ "2048k", 2048u << 10 },  { "2048K", 2048u << 10 },
		{ "64m", 64u << 20 },	   { "64M", 64u << 20 },
		{ "1g", 1u << 30 },	   { "1G", 1u << 30 },
		{ "3000000", 3000000 },	   { "1m", 1u << 20 },
		{ "1048576", 1048576 },	   { "1024m", 1u << 30 },
		{ "1048576k", 1u << 30 },  { "1073741824", 1u << 30 },
		{ "01024k", 1u << 20 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char text[64];
		snprintf(text, sizeof text, "captureBuffer %s\n", cases[i].text);
		struct conf *conf = PARSE_OK(text);
		CU_ASSERT_EQUAL(conf->capture_buffer, cases[i].bytes);
		conf_free(conf);
	}

	/* The last one given counts. */
	struct conf *conf = PARSE_OK("captureBuffer 1g\ncaptureBuffer 8m\n");
	CU_ASSERT_EQUAL(conf->capture_buffer, 8u << 20);
	conf_free(conf);
}

static void test_conf_comments(void)
{
	struct conf *conf = PARSE_OK("# vsacctd.conf\n"
				     "   # indented comment\n"
				     "\t# after a tab\n"
				     "#network commented br9\n"
				     "network lan0 br0 # trailing comment\n"
				     "vm web01\t# after a tab: vm web02\n"
				     "vnic web01 52:54:00:00:00:01 vnet0 #x y z too many\n"
				     "vm db#01\n");
	CU_ASSERT_EQUAL(conf->n_networks, 1);
	CU_ASSERT_PTR_NULL(conf_find_network(conf, "commented"));
	CU_ASSERT_STRING_EQUAL(conf->networks[0].bridge, "br0");
	CU_ASSERT_EQUAL_FATAL(conf->n_vms, 2);
	CU_ASSERT_STRING_EQUAL(conf->vms[0].name, "web01");
	CU_ASSERT_PTR_NULL(conf_find_vm(conf, "web02"));
	CU_ASSERT_EQUAL_FATAL(conf->n_vnics, 1);
	CU_ASSERT_STRING_EQUAL(conf->vnics[0].ifname, "vnet0");
	/* '#' inside a word does not start a comment. */
	CU_ASSERT_STRING_EQUAL(conf->vms[1].name, "db#01");
	conf_free(conf);
}

static void test_conf_blank_lines(void)
{
	struct conf *conf = PARSE_OK("\n\n   \n\t\t\n network   lan0\t\tbr0  \n\n\tvm  web01\t\n\n");
	CU_ASSERT_EQUAL_FATAL(conf->n_networks, 1);
	CU_ASSERT_STRING_EQUAL(conf->networks[0].name, "lan0");
	CU_ASSERT_STRING_EQUAL(conf->networks[0].bridge, "br0");
	CU_ASSERT_EQUAL_FATAL(conf->n_vms, 1);
	CU_ASSERT_STRING_EQUAL(conf->vms[0].name, "web01");
	conf_free(conf);

	/* Blank and comment lines still count in line numbers. */
	EXPECT_ERROR("\n# comment\n\n   \nbogus\n", FILE_NAME ":5: bogus: ", "unknown token",
		     0, 0, 0, 0, 0);
}

static void test_conf_crlf_lines(void)
{
	struct conf *conf = PARSE_OK("# made on Windows\r\n"
				     "\r\n"
				     "network lan0 br0\r\n"
				     "vm web01 uuid=" UUID_LC "\r\n"
				     "vm web02\r\n"
				     "vnic web01 52:54:00:00:00:01 vnet0\r\n"
				     "vnic web02 52:54:00:00:00:02\r\n"
				     "captureBuffer 64m\r\n");
	CU_ASSERT_EQUAL_FATAL(conf->n_networks, 1);
	CU_ASSERT_STRING_EQUAL(conf->networks[0].bridge, "br0");
	CU_ASSERT_EQUAL_FATAL(conf->n_vms, 2);
	CU_ASSERT_STRING_EQUAL(conf->vms[0].uuid, UUID_LC);
	CU_ASSERT_STRING_EQUAL(conf->vms[1].name, "web02");
	CU_ASSERT_EQUAL_FATAL(conf->n_vnics, 2);
	CU_ASSERT_STRING_EQUAL(conf->vnics[0].ifname, "vnet0");
	CU_ASSERT_TRUE(mac_equals(conf->vnics[1].mac, "52:54:00:00:00:02"));
	CU_ASSERT_EQUAL(conf->capture_buffer, 64u << 20);
	conf_free(conf);

	/* Errors on CRLF lines keep their line number and token. */
	EXPECT_ERROR("vm a\r\nvm a\r\n", FILE_NAME ":2: vm: ", "already defined", 0, 1, 0, 0, 0);
}

static void test_conf_tokens_case_insensitive(void)
{
	struct conf *conf = PARSE_OK("NETWORK lan0 br0\n"
				     "Network lan1 br1\n"
				     "VM web01\n"
				     "Vm web02 Uuid=" UUID_LC "\n"
				     "VNIC web01 52:54:00:00:00:01 vnet0\n"
				     "vNic web02 52:54:00:00:00:02\n"
				     "CAPTUREBUFFER 2m\n"
				     "capturebuffer 4M\n");
	CU_ASSERT_EQUAL(conf->n_networks, 2);
	CU_ASSERT_EQUAL(conf->n_vms, 2);
	CU_ASSERT_STRING_EQUAL(conf->vms[1].uuid, UUID_LC);
	CU_ASSERT_EQUAL(conf->n_vnics, 2);
	CU_ASSERT_EQUAL(conf->capture_buffer, 4u << 20);
	conf_free(conf);
}

static void test_conf_last_line_without_newline(void)
{
	struct conf *conf = PARSE_OK("vm web01\nvm web02");
	CU_ASSERT_EQUAL_FATAL(conf->n_vms, 2);
	CU_ASSERT_STRING_EQUAL(conf->vms[1].name, "web02");
	conf_free(conf);

	/* Only len bytes are parsed, whatever follows them. */
	conf = conf_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(conf);
	struct conf_error err = { "" };
	const char *text = "vm web01\nvm web02\nbogus line";
	CU_ASSERT_EQUAL(conf_parse_buffer(conf, FILE_NAME, text, strlen("vm web01\nvm web"), &err), 0);
	CU_ASSERT_EQUAL_FATAL(conf->n_vms, 2);
	CU_ASSERT_STRING_EQUAL(conf->vms[1].name, "web");
	conf_free(conf);
}

static void test_conf_files_add_up(void)
{
	struct conf *conf = conf_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(conf);
	conf->is_foreign = netsnmp_knows;
	struct conf_error err = { "" };
	const char *a = "network lan0 br0\nvm web01\nagentXSocket /run/a\n";
	const char *b = "\nvnic web01 52:54:00:00:00:01 vnet0\nagentXSocket /run/b\n";
	CU_ASSERT_EQUAL_FATAL(conf_parse_buffer(conf, "a.conf", a, strlen(a), &err), 0);
	CU_ASSERT_EQUAL_FATAL(conf_parse_buffer(conf, "b.conf", b, strlen(b), &err), 0);
	CU_ASSERT_EQUAL(conf->n_networks, 1);
	CU_ASSERT_EQUAL(conf->n_vms, 1);
	CU_ASSERT_EQUAL_FATAL(conf->n_vnics, 1);
	CU_ASSERT_EQUAL(conf->vnics[0].vm_index, 0);
	CU_ASSERT_EQUAL_FATAL(conf->n_foreign, 2);
	CU_ASSERT_STRING_EQUAL(conf->foreign[0].file, "a.conf");
	CU_ASSERT_EQUAL(conf->foreign[0].line, 3);
	CU_ASSERT_STRING_EQUAL(conf->foreign[1].file, "b.conf");
	CU_ASSERT_EQUAL(conf->foreign[1].line, 3);

	/* A clash with the first file is reported in the second's terms. */
	const char *c = "# c\nvm web01\n";
	CU_ASSERT_EQUAL(conf_parse_buffer(conf, "c.conf", c, strlen(c), &err), -1);
	check_message(err.msg, "c.conf:2: vm: ", "VM 'web01' is already defined", __LINE__);
	CU_ASSERT_EQUAL(conf->n_vms, 1);
	conf_free(conf);
}

static void test_conf_parse_line(void)
{
	struct conf *conf = conf_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(conf);
	struct conf_error err = { "" };
	CU_ASSERT_EQUAL(conf_parse_line(conf, "x.conf", 7, "vm web01", &err), 0);
	CU_ASSERT_EQUAL(conf_parse_line(conf, "x.conf", 8, "   # comment", &err), 0);
	CU_ASSERT_EQUAL(conf_parse_line(conf, "x.conf", 9, "", &err), 0);
	CU_ASSERT_EQUAL(conf->n_vms, 1);
	CU_ASSERT_EQUAL(conf_parse_line(conf, "x.conf", 10, "vm web01", &err), -1);
	check_message(err.msg, "x.conf:10: vm: ", "VM 'web01' is already defined", __LINE__);
	CU_ASSERT_EQUAL(conf->n_vms, 1);
	conf_free(conf);
}

static void test_conf_line_at_limit(void)
{
	/* A line of exactly CONF_LINE_MAX characters is accepted. */
	const char *head = "network lan0 br0 #";
	char *line = repeat(head, 'c', CONF_LINE_MAX - strlen(head), "");
	CU_ASSERT_EQUAL(strlen(line), CONF_LINE_MAX);
	struct conf *conf = PARSE_OK(line);
	CU_ASSERT_EQUAL(conf->n_networks, 1);
	conf_free(conf);

	conf = conf_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(conf);
	struct conf_error err = { "" };
	CU_ASSERT_EQUAL(conf_parse_line(conf, FILE_NAME, 1, line, &err), 0);
	CU_ASSERT_EQUAL(conf->n_networks, 1);
	conf_free(conf);
	free(line);
}

/* ---- errors: lines ------------------------------------------------------ */

static void test_conf_line_too_long(void)
{
	const char *head = "network lan0 br0 #";
	char *line = repeat(head, 'c', CONF_LINE_MAX + 1 - strlen(head), "");
	EXPECT_BAD_LINE(line, FILE_NAME ":3: ", "line longer than 1024 characters");

	/* The same through conf_parse_line. */
	struct conf *conf = conf_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(conf);
	struct conf_error err = { "" };
	CU_ASSERT_EQUAL(conf_parse_line(conf, FILE_NAME, 3, line, &err), -1);
	check_message(err.msg, FILE_NAME ":3: ", "line longer than 1024 characters", __LINE__);
	CU_ASSERT_EQUAL(conf->n_networks, 0);
	conf_free(conf);
	free(line);

	/* Far longer: refused, not truncated into something valid. */
	line = repeat("vm web02 #", 'x', 5000, "");
	EXPECT_BAD_LINE(line, FILE_NAME ":3: ", "line longer than");
	free(line);
}

static void test_conf_nul_byte(void)
{
	static const char text[] = PRE "vm web\0002\nvm after_error\n";
	struct conf *conf = conf_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(conf);
	struct conf_error err = { "" };
	CU_ASSERT_EQUAL(conf_parse_buffer(conf, FILE_NAME, text, sizeof text - 1, &err), -1);
	check_message(err.msg, FILE_NAME ":3: ", "NUL byte", __LINE__);
	check_counts(conf, PRE_COUNTS, __LINE__);
	CU_ASSERT_PTR_NULL(conf_find_vm(conf, "web"));
	CU_ASSERT_PTR_NULL(conf_find_vm(conf, "after_error"));
	conf_free(conf);

	/* A NUL alone on the last line (a length counting the terminator). */
	static const char text2[] = "vm web01\n";
	conf = conf_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(conf);
	CU_ASSERT_EQUAL(conf_parse_buffer(conf, FILE_NAME, text2, sizeof text2, &err), -1);
	check_message(err.msg, FILE_NAME ":2: ", "NUL byte", __LINE__);
	CU_ASSERT_EQUAL(conf->n_vms, 1);
	conf_free(conf);
}

static void test_conf_too_many_words(void)
{
	EXPECT_BAD_LINE("vnic web01 52:54:00:00:00:01 vnet0 a b c d e f g h",
			FILE_NAME ":3: vnic: ", "too many words");
	EXPECT_BAD_LINE("network 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20",
			FILE_NAME ":3: network: ", "too many words");
}

static void test_conf_unknown_token(void)
{
	EXPECT_BAD_LINE("frobnicate 1 2", FILE_NAME ":3: frobnicate: ", "unknown token");
	EXPECT_BAD_LINE("  networks lan1 br1", FILE_NAME ":3: networks: ", "unknown token");
	EXPECT_BAD_LINE("vnics", FILE_NAME ":3: vnics: ", "unknown token");
}

/* ---- errors: network ---------------------------------------------------- */

static void test_conf_network_missing_args(void)
{
	EXPECT_BAD_LINE("network", FILE_NAME ":3: network: ", "missing arguments");
	EXPECT_BAD_LINE("network lan1", FILE_NAME ":3: network: ", "missing arguments");
	EXPECT_BAD_LINE("network lan1 # br1", FILE_NAME ":3: network: ",
			"usage: network NAME BRIDGE");
}

static void test_conf_network_too_many_args(void)
{
	EXPECT_BAD_LINE("network lan1 br1 vlan=2 extra", FILE_NAME ":3: network: ",
			"too many arguments");
	EXPECT_BAD_LINE("network lan1 br1 vlan=2 extra", FILE_NAME ":3: network: ",
			"usage: network NAME BRIDGE [vlan=N]");
}

/* network NAME BRIDGE vlan=N: one network per VLAN of a bridge, beside
 * the bridge's own. */
static void test_conf_network_vlan(void)
{
	struct conf *conf = conf_new();
	struct conf_error err;
	const char *text = "network lan vmbr0\n"
			   "network lan20 vmbr0 vlan=20\n"
			   "network lan30 vmbr0 VLAN=4094\n"
			   "network other20 vmbr1 vlan=20\n";
	CU_ASSERT_EQUAL_FATAL(conf_parse_buffer(conf, FILE_NAME, text, strlen(text), &err), 0);
	CU_ASSERT_EQUAL_FATAL(conf->n_networks, 4);
	CU_ASSERT_EQUAL(conf->networks[0].vlan, 0);
	CU_ASSERT_EQUAL(conf->networks[1].vlan, 20);
	CU_ASSERT_STRING_EQUAL(conf->networks[1].bridge, "vmbr0");
	CU_ASSERT_EQUAL(conf->networks[2].vlan, 4094);
	CU_ASSERT_EQUAL(conf->networks[3].vlan, 20);
	conf_free(conf);
}

static void test_conf_network_bad_vlan(void)
{
	EXPECT_BAD_LINE("network lan1 br1 extra", FILE_NAME ":3: network: ",
			"'extra' is not vlan=N (N from 1 to 4094)");
	EXPECT_BAD_LINE("network lan1 br1 vlan=0", FILE_NAME ":3: network: ", "'vlan=0' is not vlan=N");
	EXPECT_BAD_LINE("network lan1 br1 vlan=4095", FILE_NAME ":3: network: ",
			"'vlan=4095' is not vlan=N");
	EXPECT_BAD_LINE("network lan1 br1 vlan=020", FILE_NAME ":3: network: ",
			"'vlan=020' is not vlan=N");
	EXPECT_BAD_LINE("network lan1 br1 vlan=", FILE_NAME ":3: network: ", "'vlan=' is not vlan=N");
	EXPECT_BAD_LINE("network lan1 br1 vlan=-5", FILE_NAME ":3: network: ", "'vlan=-5' is not vlan=N");
}

static void test_conf_network_duplicate_vlan(void)
{
	struct conf *conf = conf_new();
	struct conf_error err;
	const char *text = "network a vmbr0 vlan=20\nnetwork b vmbr0 vlan=20\n";
	CU_ASSERT_EQUAL(conf_parse_buffer(conf, FILE_NAME, text, strlen(text), &err), -1);
	CU_ASSERT_STRING_EQUAL(err.msg, FILE_NAME ":2: network: VLAN 20 of bridge 'vmbr0' already "
					      "belongs to network 'a'");
	conf_free(conf);
}

static void test_conf_network_name_too_long(void)
{
	char *line = repeat("network ", 'n', CONF_NAME_MAX + 1, " br1");
	EXPECT_BAD_LINE(line, FILE_NAME ":3: network: ", "is not a valid network name");
	free(line);
}

static void test_conf_network_name_bad_chars(void)
{
	EXPECT_BAD_LINE("network lan\x01 br1", FILE_NAME ":3: network: ",
			"is not a valid network name");
	EXPECT_BAD_LINE("network lan\x1b[0m br1", FILE_NAME ":3: network: ",
			"is not a valid network name");
	EXPECT_BAD_LINE("network lan\x7f br1", FILE_NAME ":3: network: ",
			"is not a valid network name");
	EXPECT_BAD_LINE("network r\xc3\xa9seau br1", FILE_NAME ":3: network: ",
			"is not a valid network name");
	EXPECT_BAD_LINE("network lan\xff br1", FILE_NAME ":3: network: ",
			"is not a valid network name");
}

static void test_conf_network_bad_bridge(void)
{
	static const char *const bad[] = {
		"network lan1 abcdefghijklmnop", /* 16 characters */
		"network lan1 br/1",
		"network lan1 br:1",
		"network lan1 .",
		"network lan1 ..",
		"network lan1 br\x01",
		"network lan1 br\xc3\xa9",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		EXPECT_BAD_LINE(bad[i], FILE_NAME ":3: network: ",
				"is not a valid bridge interface name");
}

static void test_conf_network_duplicate_name(void)
{
	EXPECT_BAD_LINE("network lan0 br1", FILE_NAME ":3: network: ",
			"network 'lan0' is already defined");
}

static void test_conf_network_duplicate_bridge(void)
{
	EXPECT_BAD_LINE("network lan1 br0", FILE_NAME ":3: network: ",
			"bridge 'br0' already belongs to network 'lan0'");
}

static void test_conf_duplicate_long_name_message(void)
{
	/* A duplicate 255-character name: the message must still say what is
	 * wrong, not stop inside the name. */
	char *name = repeat("", 'x', CONF_NAME_MAX, "");
	size_t n = 2 * CONF_NAME_MAX + 64;
	char *text = malloc(n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);

	snprintf(text, n, "network %s br0\nnetwork %s br1\nvm after_error\n", name, name);
	EXPECT_ERROR(text, FILE_NAME ":2: network: ", "is already defined", 1, 0, 0, 0, 0);

	snprintf(text, n, "vm %s\nvm %s\nvm after_error\n", name, name);
	EXPECT_ERROR(text, FILE_NAME ":2: vm: ", "is already defined", 0, 1, 0, 0, 0);
	free(text);
	free(name);
}

/* ---- errors: vm ---------------------------------------------------------- */

static void test_conf_vm_missing_args(void)
{
	EXPECT_BAD_LINE("vm", FILE_NAME ":3: vm: ", "missing arguments");
	EXPECT_BAD_LINE("vm   # web02", FILE_NAME ":3: vm: ", "usage: vm NAME [uuid=UUID]");
}

static void test_conf_vm_too_many_args(void)
{
	EXPECT_BAD_LINE("vm web02 uuid=" UUID_LC " pidfile=/run/a.pid extra", FILE_NAME ":3: vm: ",
			"too many arguments");
	EXPECT_BAD_LINE("vm web02 uuid=" UUID_LC " extra", FILE_NAME ":3: vm: ",
			"unknown option 'extra'");
	EXPECT_BAD_LINE("vm web02 a b", FILE_NAME ":3: vm: ", "usage: vm NAME [uuid=UUID] [pidfile=PATH]");
}

/* pidfile=: an absolute path, once; uuid= and pidfile= in either order. */
static void test_conf_vm_pidfile(void)
{
	EXPECT_BAD_LINE("vm web02 pidfile=run/a.pid", FILE_NAME ":3: vm: ", "is not an absolute path");
	EXPECT_BAD_LINE("vm web02 pidfile=/a pidfile=/b", FILE_NAME ":3: vm: ", "unknown option 'pidfile=/b'");
	struct conf *conf = conf_new();
	struct conf_error err = { "" };
	const char text[] = "vm a\nvm b pidfile=/run/b.pid uuid=" UUID_LC "\nvm c uuid=" UUID_LC " pidfile=/run/c.pid\n";
	CU_ASSERT_EQUAL_FATAL(conf_parse_buffer(conf, "p.conf", text, strlen(text), &err), 0);
	CU_ASSERT_EQUAL(conf->n_pidfiles, 2);
	CU_ASSERT_EQUAL(conf->pidfiles[0].vm_index, 1);
	CU_ASSERT_STRING_EQUAL(conf->pidfiles[0].path, "/run/b.pid");
	CU_ASSERT_EQUAL(conf->pidfiles[1].vm_index, 2);
	CU_ASSERT_STRING_EQUAL(conf->pidfiles[1].path, "/run/c.pid");
	CU_ASSERT_STRING_EQUAL(conf->vms[2].uuid, UUID_LC);
	conf_free(conf);
}

static void test_conf_vm_bad_name(void)
{
	char *line = repeat("vm ", 'v', CONF_NAME_MAX + 1, "");
	EXPECT_BAD_LINE(line, FILE_NAME ":3: vm: ", "is not a valid VM name");
	free(line);
	EXPECT_BAD_LINE("vm web\x02", FILE_NAME ":3: vm: ", "is not a valid VM name");
	EXPECT_BAD_LINE("vm caf\xc3\xa9", FILE_NAME ":3: vm: ", "is not a valid VM name");
	EXPECT_BAD_LINE("vm \x7f", FILE_NAME ":3: vm: ", "is not a valid VM name");

	/* 255 characters is fine. */
	line = repeat("vm ", 'v', CONF_NAME_MAX, "");
	struct conf *conf = PARSE_OK(line);
	CU_ASSERT_EQUAL_FATAL(conf->n_vms, 1);
	CU_ASSERT_EQUAL(strlen(conf->vms[0].name), CONF_NAME_MAX);
	conf_free(conf);
	free(line);
}

static void test_conf_vm_duplicate(void)
{
	EXPECT_BAD_LINE("vm web01", FILE_NAME ":3: vm: ", "VM 'web01' is already defined");
	/* The uuid does not make it another VM. */
	EXPECT_BAD_LINE("vm web01 uuid=00000000-0000-0000-0000-000000000000",
			FILE_NAME ":3: vm: ", "VM 'web01' is already defined");
}

static void test_conf_vm_bad_uuid(void)
{
	static const char *const bad[] = {
		"vm web02 uuid=",
		"vm web02 uuid=8a3c1d2e-0b4f-4c6d-9e8f-0123456789a",	  /* 35 */
		"vm web02 uuid=8a3c1d2e-0b4f-4c6d-9e8f-0123456789abc",  /* 37 */
		"vm web02 uuid=8a3c1d2e-0b4f-4c6d-9e8f-0123456789ag",	  /* not hex */
		"vm web02 uuid=8a3c1d2e0-b4f-4c6d-9e8f-0123456789ab",	  /* dash moved */
		"vm web02 uuid=8a3c1d2e00b4f04c6d09e8f00123456789ab",	  /* no dashes */
		"vm web02 uuid={8a3c1d2e-0b4f-4c6d-9e8f-0123456789}",
		"vm web02 uuid=8a3c1d2e-0b4f-4c6d-9e8f:0123456789ab",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		EXPECT_BAD_LINE(bad[i], FILE_NAME ":3: vm: ",
				"is not a UUID (8-4-4-4-12 hex digits)");
}

static void test_conf_vm_unknown_option(void)
{
	EXPECT_BAD_LINE("vm web02 memory=512", FILE_NAME ":3: vm: ",
			"unknown option 'memory=512'");
	EXPECT_BAD_LINE("vm web02 " UUID_LC, FILE_NAME ":3: vm: ", "unknown option");
	EXPECT_BAD_LINE("vm web02 uuid:" UUID_LC, FILE_NAME ":3: vm: ", "unknown option");
}

/* ---- errors: vnic -------------------------------------------------------- */

static void test_conf_vnic_missing_args(void)
{
	EXPECT_BAD_LINE("vnic", FILE_NAME ":3: vnic: ", "missing arguments");
	EXPECT_BAD_LINE("vnic web01", FILE_NAME ":3: vnic: ", "missing arguments");
	EXPECT_BAD_LINE("vnic web01", FILE_NAME ":3: vnic: ", "usage: vnic VM MAC [HOST-IFNAME]");
}

static void test_conf_vnic_too_many_args(void)
{
	EXPECT_BAD_LINE("vnic web01 52:54:00:00:00:01 vnet0 vnet1", FILE_NAME ":3: vnic: ",
			"too many arguments");
	EXPECT_BAD_LINE("vnic web01 52:54:00:00:00:01 vnet0 vnet1", FILE_NAME ":3: vnic: ",
			"usage: vnic VM MAC [HOST-IFNAME]");
}

static void test_conf_vnic_unknown_vm(void)
{
	EXPECT_BAD_LINE("vnic web02 52:54:00:00:00:01", FILE_NAME ":3: vnic: ",
			"VM 'web02' is not defined");
	/* Names are compared exactly. */
	EXPECT_BAD_LINE("vnic WEB01 52:54:00:00:00:01", FILE_NAME ":3: vnic: ",
			"VM 'WEB01' is not defined");
}

static void test_conf_vnic_before_vm(void)
{
	EXPECT_ERROR(PRE "vnic web02 52:54:00:00:00:02 vnet2\nvm web02\nvm after_error\n",
		     FILE_NAME ":3: vnic: ",
		     "VM 'web02' is not defined (a 'vm' line must come first)", 1, 1, 0, 0, 0);
}

static void test_conf_vnic_bad_mac(void)
{
	static const char *const bad[] = {
		"vnic web01 52:54:00:00:00",
		"vnic web01 52:54:00:00:00:01:02",
		"vnic web01 52-54-00-00-00-01",
		"vnic web01 52:54:00:00:00:0g",
		"vnic web01 52:54:00:00:00:001",
		"vnic web01 525400000001",
		"vnic web01 vnet0",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		EXPECT_BAD_LINE(bad[i], FILE_NAME ":3: vnic: ", "is not a MAC address");
}

static void test_conf_vnic_multicast_mac(void)
{
	EXPECT_BAD_LINE("vnic web01 ff:ff:ff:ff:ff:ff", FILE_NAME ":3: vnic: ",
			"'ff:ff:ff:ff:ff:ff' is a multicast address");
	EXPECT_BAD_LINE("vnic web01 01:00:5e:00:00:01 vnet0", FILE_NAME ":3: vnic: ",
			"is a multicast address");
	EXPECT_BAD_LINE("vnic web01 33:33:00:00:00:01", FILE_NAME ":3: vnic: ",
			"is a multicast address");
	EXPECT_BAD_LINE("vnic web01 53:54:00:00:00:01", FILE_NAME ":3: vnic: ",
			"is a multicast address");
}

static void test_conf_vnic_bad_ifname(void)
{
	static const char *const bad[] = {
		"vnic web01 52:54:00:00:00:01 abcdefghijklmnop", /* 16 characters */
		"vnic web01 52:54:00:00:00:01 tap/0",
		"vnic web01 52:54:00:00:00:01 tap:0",
		"vnic web01 52:54:00:00:00:01 .",
		"vnic web01 52:54:00:00:00:01 ..",
		"vnic web01 52:54:00:00:00:01 tap\x01",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		EXPECT_BAD_LINE(bad[i], FILE_NAME ":3: vnic: ", "is not a valid interface name");

	/* 15 characters is fine. */
	struct conf *conf = PARSE_OK(PRE "vnic web01 52:54:00:00:00:01 abcdefghijklmno\n");
	CU_ASSERT_EQUAL_FATAL(conf->n_vnics, 1);
	CU_ASSERT_STRING_EQUAL(conf->vnics[0].ifname, "abcdefghijklmno");
	conf_free(conf);
}

static void test_conf_vnic_duplicate_mac(void)
{
	/* Same VM, another VM, and the same address written differently. */
	EXPECT_ERROR(PRE "vnic web01 52:54:00:00:00:01 vnet0\n"
			 "vnic web01 52:54:00:00:00:01 vnet1\nvm after_error\n",
		     FILE_NAME ":4: vnic: ",
		     "MAC 52:54:00:00:00:01 already belongs to VM 'web01'", 1, 1, 1, 0, 0);
	EXPECT_ERROR(PRE "vm db01\nvnic web01 52:54:00:00:00:01\n"
			 "vnic db01 52:54:00:00:00:01\nvm after_error\n",
		     FILE_NAME ":5: vnic: ", "already belongs to VM 'web01'", 1, 2, 1, 0, 0);
	EXPECT_ERROR(PRE "vm db01\nvnic web01 52:54:00:0a:00:01\n"
			 "vnic db01 52:54:0:A:0:1\nvm after_error\n",
		     FILE_NAME ":5: vnic: ",
		     "MAC 52:54:0:A:0:1 already belongs to VM 'web01'", 1, 2, 1, 0, 0);
}

static void test_conf_vnic_duplicate_ifname(void)
{
	EXPECT_ERROR(PRE "vm db01\nvnic web01 52:54:00:00:00:01 vnet0\n"
			 "vnic db01 52:54:00:00:00:02 vnet0\nvm after_error\n",
		     FILE_NAME ":5: vnic: ",
		     "interface 'vnet0' already belongs to VM 'web01'", 1, 2, 1, 0, 0);
	EXPECT_ERROR(PRE "vnic web01 52:54:00:00:00:01 vnet0\n"
			 "vnic web01 52:54:00:00:00:02 vnet0\nvm after_error\n",
		     FILE_NAME ":4: vnic: ", "interface 'vnet0' already belongs", 1, 1, 1, 0, 0);
}

static void test_conf_vnic_mac_and_ifname_clash(void)
{
	/* The MAC is web01's, the name db01's: the earlier vNIC is blamed, as
	 * a scan in line order would. */
	const char *vnics = PRE "vm db01\nvnic web01 52:54:00:00:00:01 vnet0\n"
			       "vnic db01 52:54:00:00:00:02 vnet1\n";
	char text[512];
	snprintf(text, sizeof text, "%svnic web01 52:54:00:00:00:02 vnet0\nvm after_error\n", vnics);
	EXPECT_ERROR(text, FILE_NAME ":6: vnic: ",
		     "interface 'vnet0' already belongs to VM 'web01'", 1, 2, 2, 0, 0);
	snprintf(text, sizeof text, "%svnic db01 52:54:00:00:00:01 vnet1\nvm after_error\n", vnics);
	EXPECT_ERROR(text, FILE_NAME ":6: vnic: ",
		     "MAC 52:54:00:00:00:01 already belongs to VM 'web01'", 1, 2, 2, 0, 0);
	/* Both clash with one vNIC: the MAC is named. */
	snprintf(text, sizeof text, "%svnic db01 52:54:00:00:00:02 vnet1\nvm after_error\n", vnics);
	EXPECT_ERROR(text, FILE_NAME ":6: vnic: ",
		     "MAC 52:54:00:00:00:02 already belongs to VM 'db01'", 1, 2, 2, 0, 0);
}

static void test_conf_vnic_too_many_for_one_vm(void)
{
	/* vsVnicIndex is 1..65535: the 65535th vNIC is accepted, the 65536th
	 * is not, and the count is kept per VM. */
	struct conf *conf = PARSE_OK("vm big\nvm small\n");
	CU_ASSERT_EQUAL_FATAL(conf->n_vms, 2);
	struct conf_error err = { "" };
	const unsigned n = 65535;
	bool ok = true;
	for (unsigned i = 0; i < n; i++) {
		char line[64];
		snprintf(line, sizeof line, "vnic big 52:54:00:00:%02x:%02x", i >> 8, i & 0xff);
		ok &= conf_parse_line(conf, FILE_NAME, 3 + i, line, &err) == 0;
	}
	CU_ASSERT_TRUE(ok);
	CU_ASSERT_EQUAL(conf->n_vnics, 65535);
	CU_ASSERT_EQUAL(conf->vms[0].n_vnics, 65535);
	CU_ASSERT_EQUAL(conf->vms[1].n_vnics, 0);

	CU_ASSERT_EQUAL(conf_parse_line(conf, FILE_NAME, 65538, "vnic big 52:54:00:01:00:00", &err), -1);
	check_message(err.msg, FILE_NAME ":65538: vnic: ", "VM 'big' has 65535 vNICs already",
		      __LINE__);
	/* A duplicate is still reported as one, before the limit. */
	CU_ASSERT_EQUAL(conf_parse_line(conf, FILE_NAME, 65539, "vnic big 52:54:00:00:00:00", &err), -1);
	check_message(err.msg, FILE_NAME ":65539: vnic: ", "MAC 52:54:00:00:00:00 already belongs",
		      __LINE__);
	CU_ASSERT_EQUAL(conf->n_vnics, 65535);
	CU_ASSERT_EQUAL(conf->vms[0].n_vnics, 65535);

	/* Another VM is not limited by it. */
	CU_ASSERT_EQUAL(conf_parse_line(conf, FILE_NAME, 65540, "vnic small 52:54:00:01:00:01", &err), 0);
	CU_ASSERT_EQUAL(conf->n_vnics, 65536);
	CU_ASSERT_EQUAL(conf->vms[1].n_vnics, 1);
	conf_free(conf);
}

/* ---- errors: captureBuffer ----------------------------------------------- */

static void test_conf_capture_buffer_missing_args(void)
{
	EXPECT_BAD_LINE("captureBuffer", FILE_NAME ":3: captureBuffer: ", "missing arguments");
	EXPECT_BAD_LINE("captureBuffer", FILE_NAME ":3: captureBuffer: ",
			"usage: captureBuffer SIZE[k|m|g]");
}

static void test_conf_capture_buffer_too_many_args(void)
{
	EXPECT_BAD_LINE("captureBuffer 64 m", FILE_NAME ":3: captureBuffer: ",
			"too many arguments");
}

static void test_conf_capture_buffer_bad(void)
{
	static const char *const bad[] = {
		"abc", "12kb", "-1", "-1m", "+1m", "1.5m", "k", "m", "1t", "0x100000",
		"1 k", "64mm", "1e6", "1,000,000",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char line[64], reason[64];
		snprintf(line, sizeof line, "captureBuffer %s", bad[i]);
		/* "1 k" is two words: too many arguments. */
		snprintf(reason, sizeof reason, "'%s' is not a size up to 1g", bad[i]);
		EXPECT_BAD_LINE(line, FILE_NAME ":3: captureBuffer: ",
				strchr(bad[i], ' ') ? "too many arguments" : reason);
	}
}

static void test_conf_capture_buffer_too_small(void)
{
	static const char *const bad[] = { "1023k", "1048575", "256k", "0", "0k", "1", "0g" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char line[64], reason[64];
		snprintf(line, sizeof line, "captureBuffer %s", bad[i]);
		snprintf(reason, sizeof reason, "'%s' is smaller than 1m", bad[i]);
		EXPECT_BAD_LINE(line, FILE_NAME ":3: captureBuffer: ", reason);
	}
}

static void test_conf_capture_buffer_too_large(void)
{
	static const char *const bad[] = {
		"1025m", "2g", "1073741825", "1048577k", "4096M", "18446744073709551615",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char line[64], reason[64];
		snprintf(line, sizeof line, "captureBuffer %s", bad[i]);
		snprintf(reason, sizeof reason, "'%s' is not a size up to 1g", bad[i]);
		EXPECT_BAD_LINE(line, FILE_NAME ":3: captureBuffer: ", reason);
	}
}

static void test_conf_capture_buffer_overflow(void)
{
	/* Beyond unsigned long long, and values whose shift would wrap. */
	static const char *const bad[] = {
		"99999999999999999999",
		"99999999999999999999k",
		"18446744073709551616",
		"17179869184g", /* 2^34 g = 2^64 bytes: wraps to 0 if shifted */
		"17592186044417k",
		"1000000000000000000000000000000g",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char line[80];
		snprintf(line, sizeof line, "captureBuffer %s", bad[i]);
		EXPECT_BAD_LINE(line, FILE_NAME ":3: captureBuffer: ", "is not a size up to 1g");
	}
}

/* ---- stateDir and discover ------------------------------------------------ */

/* The discovery sources of conf as "KIND=ARG KIND=ARG": "" for none. */
static const char *sources_text(const struct conf *conf)
{
	static char text[CONF_MAX_SOURCES * (CONF_PATH_MAX + 20)];
	text[0] = '\0';
	for (size_t i = 0; i < conf->n_sources; i++)
		snprintf(text + strlen(text), sizeof text - strlen(text), "%s%s=%s", i ? " " : "",
			 conf->sources[i].kind, conf->sources[i].arg);
	return text;
}

/* Parses text (whose bad line is line 3, after PRE) and asserts failure with
 * prefix and reason, the PRE counts, and what was given before the bad
 * line: state_dir, the discovery sources (as sources_text says them). */
static void expect_dir_error_at(const char *text, const char *prefix, const char *reason,
				const char *state_dir, const char *sources, unsigned line)
{
	struct conf *conf = conf_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(conf);
	struct conf_error err;
	memset(&err, 0, sizeof err);
	int rc = conf_parse_buffer(conf, FILE_NAME, text, strlen(text), &err);
	CU_assertImplementation(rc == -1, line, "conf_parse_buffer returns -1", __FILE__, "",
				CU_FALSE);
	check_message(err.msg, prefix, reason, line);
	check_counts(conf, PRE_COUNTS, line);
	char what[2 * CONF_PATH_MAX + 100];
	snprintf(what, sizeof what, "state_dir is \"%s\" (has \"%s\")", state_dir, conf->state_dir);
	CU_assertImplementation(!strcmp(conf->state_dir, state_dir), line, what, __FILE__, "",
				CU_FALSE);
	snprintf(what, sizeof what, "sources are \"%s\" (has \"%s\")", sources,
		 sources_text(conf));
	CU_assertImplementation(!strcmp(sources_text(conf), sources), line, what, __FILE__, "",
				CU_FALSE);
	CU_assertImplementation(conf_find_vm(conf, "after_error") == NULL, line,
				"the line after the error is not parsed", __FILE__, "", CU_FALSE);
	conf_free(conf);
}

/* PRE, then bad as line 3, then a valid line 4; the directories stay at
 * their defaults. */
#define EXPECT_BAD_DIR_LINE(bad, prefix, reason)                                          \
	expect_dir_error_at(PRE bad "\nvm after_error\n", (prefix), (reason),            \
			    CONF_DEFAULT_STATE_DIR, "", __LINE__)

static void test_conf_state_dir_default(void)
{
	struct conf *conf = conf_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(conf);
	CU_ASSERT_STRING_EQUAL(conf->state_dir, "/var/lib/vsacct");
	CU_ASSERT_STRING_EQUAL(CONF_DEFAULT_STATE_DIR, "/var/lib/vsacct");
	/* No discovery unless asked for. */
	CU_ASSERT_EQUAL(conf->n_sources, 0);
	conf_free(conf);

	/* A file without the tokens keeps the defaults. */
	conf = PARSE_OK(PRE "vnic web01 52:54:00:00:00:01 vnet0\n");
	CU_ASSERT_STRING_EQUAL(conf->state_dir, CONF_DEFAULT_STATE_DIR);
	CU_ASSERT_EQUAL(conf->n_sources, 0);
	conf_free(conf);
}

static void test_conf_state_dir(void)
{
	struct conf *conf = PARSE_OK(PRE "stateDir /srv/vsacct/state\n");
	CU_ASSERT_STRING_EQUAL(conf->state_dir, "/srv/vsacct/state");
	check_counts(conf, PRE_COUNTS, __LINE__);
	/* stateDir says nothing about discovery. */
	CU_ASSERT_EQUAL(conf->n_sources, 0);
	conf_free(conf);

	/* The root, a trailing slash, a trailing comment, blanks, any case. */
	static const struct {
		const char *text, *dir;
	} cases[] = {
		{ "stateDir /\n", "/" },
		{ "stateDir /var/lib/vsacct/\n", "/var/lib/vsacct/" },
		{ "stateDir /var/tmp/vs # where indexes live\n", "/var/tmp/vs" },
		{ "\t stateDir \t/opt/vs.state\r\n", "/opt/vs.state" },
		{ "STATEDIR /a\n", "/a" },
		{ "statedir /b\n", "/b" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		conf = PARSE_OK(cases[i].text);
		CU_ASSERT_STRING_EQUAL(conf->state_dir, cases[i].dir);
		conf_free(conf);
	}
}

static void test_conf_state_dir_longest(void)
{
	/* The longest line holds the longest path a line can carry. */
	size_t len = CONF_LINE_MAX - strlen("stateDir /");
	char *line = repeat("stateDir /", 'd', len, "");
	CU_ASSERT_EQUAL_FATAL(strlen(line), CONF_LINE_MAX);
	struct conf *conf = PARSE_OK(line);
	CU_ASSERT_EQUAL(strlen(conf->state_dir), len + 1);
	CU_ASSERT_STRING_EQUAL(conf->state_dir, line + strlen("stateDir "));
	conf_free(conf);
	free(line);
}

static void test_conf_state_dir_relative(void)
{
	static const char *const bad[] = {
		"var/lib/vsacct", "./state", "../state", "state", "~/state", "~root/x", ".",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char text[256], reason[128];
		snprintf(text, sizeof text, PRE "stateDir %s\nvm after_error\n", bad[i]);
		snprintf(reason, sizeof reason, "'%s' is not an absolute path", bad[i]);
		expect_dir_error_at(text, FILE_NAME ":3: stateDir: ", reason,
				    CONF_DEFAULT_STATE_DIR, "", __LINE__);
	}
	/* The token as written names the line. */
	EXPECT_BAD_DIR_LINE("STATEDIR relative", FILE_NAME ":3: STATEDIR: ",
			    "is not an absolute path");
	/* A bad stateDir leaves the one given before in force. */
	expect_dir_error_at("network lan0 br0\nstateDir /srv/a\n"
			    "vm web01 uuid=" UUID_LC "\nstateDir srv/b\nvm after_error\n",
			    FILE_NAME ":4: stateDir: ", "'srv/b' is not an absolute path", "/srv/a",
			    "", __LINE__);
}

static void test_conf_state_dir_missing_args(void)
{
	EXPECT_BAD_DIR_LINE("stateDir", FILE_NAME ":3: stateDir: ", "missing arguments");
	EXPECT_BAD_DIR_LINE("stateDir", FILE_NAME ":3: stateDir: ", "usage: stateDir DIR");
	EXPECT_BAD_DIR_LINE("stateDir   # /var/lib/vsacct", FILE_NAME ":3: stateDir: ",
			    "missing arguments");
}

static void test_conf_state_dir_too_many_args(void)
{
	EXPECT_BAD_DIR_LINE("stateDir /var/lib/vsacct /tmp", FILE_NAME ":3: stateDir: ",
			    "too many arguments");
	EXPECT_BAD_DIR_LINE("stateDir /var/lib/my state", FILE_NAME ":3: stateDir: ",
			    "usage: stateDir DIR");
}

static void test_conf_discover_libvirt_default(void)
{
	struct conf *conf = PARSE_OK(PRE "discover libvirt\n");
	CU_ASSERT_STRING_EQUAL(sources_text(conf), "libvirt=");
	check_counts(conf, PRE_COUNTS, __LINE__);
	/* discover says nothing about the state directory. */
	CU_ASSERT_STRING_EQUAL(conf->state_dir, CONF_DEFAULT_STATE_DIR);
	conf_free(conf);

	conf = PARSE_OK("  Discover   libvirt   # the usual place\r\n");
	CU_ASSERT_STRING_EQUAL(sources_text(conf), "libvirt=");
	conf_free(conf);
}

static void test_conf_discover_libvirt_uri(void)
{
	struct conf *conf = PARSE_OK(PRE "discover libvirt qemu:///system\n"
					 "stateDir /var/lib/vs\n");
	CU_ASSERT_STRING_EQUAL(sources_text(conf), "libvirt=qemu:///system");
	CU_ASSERT_STRING_EQUAL(conf->state_dir, "/var/lib/vs");
	check_counts(conf, PRE_COUNTS, __LINE__);
	conf_free(conf);

	conf = PARSE_OK("DISCOVER libvirt test:///default\n");
	CU_ASSERT_STRING_EQUAL(sources_text(conf), "libvirt=test:///default");
	conf_free(conf);
}

static void test_conf_discover_twice(void)
{
	/* A bad line leaves the discovery given before in force. */
	expect_dir_error_at("network lan0 br0\ndiscover libvirt qemu:///system\n"
			    "vm web01 uuid=" UUID_LC "\ndiscover libvirt qemu:///session\nvm after_error\n",
			    FILE_NAME ":4: discover: ", "discovery source 'libvirt' given twice",
			    CONF_DEFAULT_STATE_DIR, "libvirt=qemu:///system", __LINE__);
	EXPECT_BAD_DIR_LINE("discover libvirt a b", FILE_NAME ":3: discover: ",
			    "usage: discover KIND [ARG]");
}

static void test_conf_discover_kinds_have_sources(void)
{
	/* Each kind the configuration takes names a source vsacctd has. */
	for (size_t i = 0; conf_source_kinds[i]; i++)
		CU_ASSERT_PTR_NOT_NULL(sources_find(conf_source_kinds[i]));
}

static void test_conf_discover_unknown_source(void)
{
	EXPECT_BAD_DIR_LINE("discover xen", FILE_NAME ":3: discover: ",
			    "unknown discovery source 'xen'");
	EXPECT_BAD_DIR_LINE("discover vmware /run/vmware", FILE_NAME ":3: discover: ",
			    "unknown discovery source 'vmware'");
	EXPECT_BAD_DIR_LINE("discover /run/libvirt/qemu", FILE_NAME ":3: discover: ",
			    "unknown discovery source '/run/libvirt/qemu'");
	EXPECT_BAD_DIR_LINE("discover libvirtd", FILE_NAME ":3: discover: ",
			    "unknown discovery source 'libvirtd'");
	EXPECT_BAD_DIR_LINE("discover xen", FILE_NAME ":3: discover: ", "known: libvirt");
}

static void test_conf_discover_missing_args(void)
{
	EXPECT_BAD_DIR_LINE("discover", FILE_NAME ":3: discover: ", "missing arguments");
	EXPECT_BAD_DIR_LINE("discover # libvirt", FILE_NAME ":3: discover: ",
			    "usage: discover KIND [ARG]");
}

static void test_conf_discover_too_many_args(void)
{
	EXPECT_BAD_DIR_LINE("discover libvirt qemu:///system extra", FILE_NAME ":3: discover: ",
			    "too many arguments");
	EXPECT_BAD_DIR_LINE("discover libvirt qemu:///system extra", FILE_NAME ":3: discover: ",
			    "usage: discover KIND [ARG]");
	EXPECT_BAD_DIR_LINE("discover proxmox /etc/pve run=/run/x extra", FILE_NAME ":3: discover: ",
			    "too many arguments");
}

/* discover proxmox [DIR] [run=DIR]: absolute paths, in either order. */
static void test_conf_discover_proxmox(void)
{
	struct conf *conf = conf_new();
	struct conf_error err;
	const char *text = "discover proxmox /srv/pve run=/tmp/run\n";
	CU_ASSERT_EQUAL_FATAL(conf_parse_buffer(conf, FILE_NAME, text, strlen(text), &err), 0);
	CU_ASSERT_EQUAL_FATAL(conf->n_sources, 1);
	CU_ASSERT_STRING_EQUAL(conf->sources[0].kind, "proxmox");
	CU_ASSERT_STRING_EQUAL(conf->sources[0].arg, "/srv/pve");
	CU_ASSERT_STRING_EQUAL(conf->sources[0].run_dir, "/tmp/run");
	conf_free(conf);
	conf = conf_new();
	text = "discover proxmox run=/tmp/run\n";
	CU_ASSERT_EQUAL_FATAL(conf_parse_buffer(conf, FILE_NAME, text, strlen(text), &err), 0);
	CU_ASSERT_STRING_EQUAL(conf->sources[0].arg, "");
	CU_ASSERT_STRING_EQUAL(conf->sources[0].run_dir, "/tmp/run");
	conf_free(conf);
	conf = conf_new();
	text = "discover proxmox\n";
	CU_ASSERT_EQUAL_FATAL(conf_parse_buffer(conf, FILE_NAME, text, strlen(text), &err), 0);
	CU_ASSERT_STRING_EQUAL(conf->sources[0].arg, "");
	CU_ASSERT_STRING_EQUAL(conf->sources[0].run_dir, "");
	conf_free(conf);
	EXPECT_BAD_DIR_LINE("discover proxmox etc/pve", FILE_NAME ":3: discover: ",
			    "'etc/pve' is not an absolute path to a directory");
	EXPECT_BAD_DIR_LINE("discover proxmox /etc/pve run=run", FILE_NAME ":3: discover: ",
			    "'run' is not an absolute path to a directory");
	EXPECT_BAD_DIR_LINE("discover proxmox /a /b", FILE_NAME ":3: discover: ",
			    "unknown option '/b'");
}

/* ---- foreign tokens ------------------------------------------------------ */

static void test_conf_foreign_kept_verbatim(void)
{
	struct conf *conf = PARSE_OK_FOREIGN(PRE
					     "agentXSocket tcp:localhost:705\n"
					     "  \tAGENTXPINGINTERVAL   15  # keep\n"
					     "vm web02\n"
					     "agentxsocket\tunix:/run/agentx/master\r\n");
	CU_ASSERT_EQUAL(conf->n_vms, 2);
	CU_ASSERT_EQUAL_FATAL(conf->n_foreign, 3);
	CU_ASSERT_STRING_EQUAL(conf->foreign[0].text, "agentXSocket tcp:localhost:705");
	CU_ASSERT_STRING_EQUAL(conf->foreign[0].file, FILE_NAME);
	CU_ASSERT_EQUAL(conf->foreign[0].line, 3);
	/* Net-SNMP gets the words: no blanks around, no comment, no CR. */
	CU_ASSERT_STRING_EQUAL(conf->foreign[1].text, "AGENTXPINGINTERVAL 15");
	CU_ASSERT_EQUAL(conf->foreign[1].line, 4);
	CU_ASSERT_STRING_EQUAL(conf->foreign[2].text, "agentxsocket unix:/run/agentx/master");
	CU_ASSERT_EQUAL(conf->foreign[2].line, 6);
	/* The predicate is asked about the token alone. */
	CU_ASSERT_STRING_EQUAL(last_foreign_query, "agentxsocket");
	conf_free(conf);
}

static void test_conf_foreign_unknown_still_error(void)
{
	expect_bad_line_at("agentXBogus 1", netsnmp_knows, FILE_NAME ":3: agentXBogus: ",
			   "unknown token", __LINE__);
	CU_ASSERT_STRING_EQUAL(last_foreign_query, "agentXBogus");

	/* Foreign lines before the error stay; the bad line adds nothing. */
	expect_error_at(PRE "agentXSocket /run/a\nfrobnicate\nagentXSocket /run/b\n"
			    "vm after_error\n",
			netsnmp_knows, FILE_NAME ":4: frobnicate: ", "unknown token",
			(struct counts){ 1, 1, 0, 1, 0 }, __LINE__);
}

static void test_conf_foreign_without_predicate(void)
{
	EXPECT_BAD_LINE("agentXSocket tcp:localhost:705", FILE_NAME ":3: agentXSocket: ",
			"unknown token");
}

static void test_conf_foreign_too_many_words(void)
{
	expect_bad_line_at("agentXSocket a b c d e f g h i", netsnmp_knows,
			   FILE_NAME ":3: agentXSocket: ", "too many words", __LINE__);
}

/* ---- files ---------------------------------------------------------------- */

/* Writes text to a new file under /tmp; returns its malloc'd path. */
static char *write_temp(const char *text)
{
	char *path = strdup("/tmp/test_conf.XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(path);
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	size_t len = strlen(text);
	CU_ASSERT_FATAL(write(fd, text, len) == (ssize_t)len);
	close(fd);
	return path;
}

static void test_conf_parse_file(void)
{
	char *path = write_temp("# test\nnetwork lan0 br0\nvm web01\r\n"
				"vnic web01 52:54:00:00:00:01 vnet0\ncaptureBuffer 128m");
	struct conf *conf = conf_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(conf);
	struct conf_error err = { "" };
	CU_ASSERT_EQUAL(conf_parse_file(conf, path, &err), 0);
	check_counts(conf, (struct counts){ 1, 1, 1, 0, 128u << 20 }, __LINE__);
	CU_ASSERT_PTR_NOT_NULL(conf_find_vm(conf, "web01"));
	conf_free(conf);
	unlink(path);
	free(path);
}

static void test_conf_parse_file_large(void)
{
	/* More than one read chunk; the last line spans the boundary. */
	size_t n = 3000;
	size_t cap = n * 32 + 64;
	char *text = malloc(cap);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	size_t len = 0;
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len, "vm vm%05zu # %zu\n", i, i);
	char *path = write_temp(text);
	free(text);

	struct conf *conf = conf_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(conf);
	struct conf_error err = { "" };
	CU_ASSERT_EQUAL(conf_parse_file(conf, path, &err), 0);
	CU_ASSERT_EQUAL(conf->n_vms, n);
	CU_ASSERT_PTR_NOT_NULL(conf_find_vm(conf, "vm02999"));
	conf_free(conf);
	unlink(path);
	free(path);
}

static void test_conf_parse_file_error_names_file(void)
{
	char *path = write_temp("network lan0 br0\nvm web01 bogus\n");
	struct conf *conf = conf_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(conf);
	struct conf_error err = { "" };
	CU_ASSERT_EQUAL(conf_parse_file(conf, path, &err), -1);
	char prefix[CONF_PATH_MAX];
	snprintf(prefix, sizeof prefix, "%s:2: vm: ", path);
	check_message(err.msg, prefix, "unknown option 'bogus'", __LINE__);
	CU_ASSERT_EQUAL(conf->n_networks, 1);
	CU_ASSERT_EQUAL(conf->n_vms, 0);
	conf_free(conf);
	unlink(path);
	free(path);
}

static void test_conf_parse_file_missing(void)
{
	char dir[] = "/tmp/test_conf.d.XXXXXX";
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	char path[sizeof dir + 32];
	snprintf(path, sizeof path, "%s/missing.conf", dir);

	struct conf *conf = conf_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(conf);
	struct conf_error err = { "" };
	CU_ASSERT_EQUAL(conf_parse_file(conf, path, &err), -1);
	char prefix[sizeof path + 1];
	snprintf(prefix, sizeof prefix, "%s:", path);
	check_message(err.msg, prefix, "cannot open", __LINE__);
	check_message(err.msg, prefix, strerror(ENOENT), __LINE__);
	check_counts(conf, (struct counts){ 0, 0, 0, 0, 0 }, __LINE__);

	/* A directory opens but cannot be read. */
	CU_ASSERT_EQUAL(conf_parse_file(conf, dir, &err), -1);
	snprintf(prefix, sizeof prefix, "%s:", dir);
	check_message(err.msg, prefix, "cannot read", __LINE__);
	conf_free(conf);
	rmdir(dir);
}

/* ---- lookups and scale ------------------------------------------------------ */

static void test_conf_find_network(void)
{
	struct conf *conf = PARSE_OK("network lan0 br0\nnetwork dmz virbr1\n");
	const struct conf_network *lan0 = conf_find_network(conf, "lan0");
	const struct conf_network *dmz = conf_find_network(conf, "dmz");
	CU_ASSERT_PTR_EQUAL(lan0, &conf->networks[0]);
	CU_ASSERT_PTR_EQUAL(dmz, &conf->networks[1]);
	/* By name only: a bridge is not a network's name. */
	CU_ASSERT_PTR_NULL(conf_find_network(conf, "br0"));
	CU_ASSERT_PTR_NULL(conf_find_network(conf, "virbr1"));
	CU_ASSERT_PTR_NULL(conf_find_network(conf, "lan"));
	CU_ASSERT_PTR_NULL(conf_find_network(conf, "br1"));
	CU_ASSERT_PTR_NULL(conf_find_network(conf, "LAN0"));
	CU_ASSERT_PTR_NULL(conf_find_network(conf, ""));
	conf_free(conf);
}

static void test_conf_find_vm(void)
{
	struct conf *conf = PARSE_OK("vm web01\nvm db01 uuid=" UUID_LC "\n");
	const struct conf_vm *db = conf_find_vm(conf, "db01");
	CU_ASSERT_PTR_EQUAL(conf_find_vm(conf, "web01"), &conf->vms[0]);
	CU_ASSERT_PTR_EQUAL(db, &conf->vms[1]);
	if (db)
		CU_ASSERT_STRING_EQUAL(db->uuid, UUID_LC);
	CU_ASSERT_PTR_NULL(conf_find_vm(conf, "web0"));
	CU_ASSERT_PTR_NULL(conf_find_vm(conf, "WEB01"));
	CU_ASSERT_PTR_NULL(conf_find_vm(conf, ""));
	conf_free(conf);
}

static void test_conf_many_vms(void)
{
	/* 2000 VMs with 2 vNICs each, the vNIC lines after all the VMs. */
	const size_t nvms = 2000;
	size_t cap = nvms * 128 + 64;
	char *text = malloc(cap);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	size_t len = (size_t)snprintf(text, cap, "network lan0 br0\n");
	for (size_t i = 0; i < nvms; i++)
		len += (size_t)snprintf(text + len, cap - len, "vm vm%zu\n", i);
	for (size_t i = 0; i < nvms; i++)
		for (unsigned j = 0; j < 2; j++)
			len += (size_t)snprintf(text + len, cap - len,
						"vnic vm%zu 52:54:00:%02zx:%02zx:%02x v%zu.%u\n", i,
						i >> 8, i & 0xff, j, i, j);
	struct conf *conf = PARSE_OK(text);
	free(text);
	CU_ASSERT_EQUAL(conf->n_networks, 1);
	CU_ASSERT_EQUAL_FATAL(conf->n_vms, nvms);
	CU_ASSERT_EQUAL_FATAL(conf->n_vnics, 2 * nvms);
	CU_ASSERT_STRING_EQUAL(conf->vms[1999].name, "vm1999");
	bool ok = true;
	for (size_t k = 0; k < 2 * nvms; k++) {
		const struct conf_vnic *v = &conf->vnics[k];
		char name[32], ifname[32];
		snprintf(name, sizeof name, "vm%zu", k / 2);
		snprintf(ifname, sizeof ifname, "v%zu.%zu", k / 2, k % 2);
		const uint8_t mac[MAC_LEN] = { 0x52, 0x54, 0x00, (uint8_t)((k / 2) >> 8),
					       (uint8_t)(k / 2), (uint8_t)(k % 2) };
		ok &= v->vm_index == k / 2 && !strcmp(conf->vms[v->vm_index].name, name) &&
		      !strcmp(v->ifname, ifname) && !memcmp(v->mac, mac, MAC_LEN);
	}
	CU_ASSERT_TRUE(ok);
	conf_free(conf);
}

/* "network lan0 br0", then nvms VMs vmI, each line followed by its two
 * vNICs 52:54:00:HI:LO:J vI.J: 1 + 3 * nvms lines. Caller frees. */
static char *many_vms_text(size_t nvms)
{
	size_t cap = nvms * 128 + 64;
	char *text = malloc(cap);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	size_t len = (size_t)snprintf(text, cap, "network lan0 br0\n");
	for (size_t i = 0; i < nvms; i++) {
		len += (size_t)snprintf(text + len, cap - len, "vm vm%zu\n", i);
		for (unsigned j = 0; j < 2; j++)
			len += (size_t)snprintf(text + len, cap - len,
						"vnic vm%zu 52:54:00:%02zx:%02zx:%02x v%zu.%u\n", i,
						i >> 8, i & 0xff, j, i, j);
	}
	return text;
}

/* many, then bad as the next line, then a valid line. */
static void expect_bad_after_at(const char *many, size_t nvms, const char *bad,
				const char *prefix, const char *reason, unsigned line)
{
	size_t n = strlen(many) + strlen(bad) + 64;
	char *text = malloc(n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	snprintf(text, n, "%s%s\nvm after_error\n", many, bad);
	expect_error_at(text, NULL, prefix, reason, (struct counts){ 1, nvms, 2 * nvms, 0, 0 },
			line);
	free(text);
}

static void test_conf_10000_vms(void)
{
	/* The duplicate checks look up, not scan: 30,001 lines parse at once,
	 * and a clash at the end is still found and reported on its line. */
	const size_t nvms = 10000;
	char *text = many_vms_text(nvms);
	struct conf *conf = PARSE_OK(text);
	CU_ASSERT_EQUAL(conf->n_networks, 1);
	CU_ASSERT_EQUAL_FATAL(conf->n_vms, nvms);
	CU_ASSERT_EQUAL_FATAL(conf->n_vnics, 2 * nvms);
	bool ok = true;
	for (size_t i = 0; i < nvms; i++) {
		char name[32];
		snprintf(name, sizeof name, "vm%zu", i);
		ok &= conf_find_vm(conf, name) == &conf->vms[i] && conf->vms[i].n_vnics == 2 &&
		      conf->vnics[2 * i].vm_index == i && conf->vnics[2 * i + 1].vm_index == i;
	}
	CU_ASSERT_TRUE(ok);
	CU_ASSERT_PTR_NULL(conf_find_vm(conf, "vm10000"));
	conf_free(conf);

#define EXPECT_BAD_AFTER(bad, prefix, reason) \
	expect_bad_after_at(text, nvms, (bad), (prefix), (reason), __LINE__)
	EXPECT_BAD_AFTER("vm vm5000", FILE_NAME ":30002: vm: ", "VM 'vm5000' is already defined");
	EXPECT_BAD_AFTER("vnic vm10000 52:54:00:ff:ff:00", FILE_NAME ":30002: vnic: ",
			 "VM 'vm10000' is not defined");
	/* 9999 is 0x270f. */
	EXPECT_BAD_AFTER("vnic vm0 52:54:00:27:0f:01 new0", FILE_NAME ":30002: vnic: ",
			 "MAC 52:54:00:27:0f:01 already belongs to VM 'vm9999'");
	EXPECT_BAD_AFTER("vnic vm9999 52:54:00:ff:ff:00 v0.0", FILE_NAME ":30002: vnic: ",
			 "interface 'v0.0' already belongs to VM 'vm0'");
	EXPECT_BAD_AFTER("vnic vm1 52:54:00:27:0f:00 v0.1", FILE_NAME ":30002: vnic: ",
			 "interface 'v0.1' already belongs to VM 'vm0'");
	EXPECT_BAD_AFTER("vnic vm1 52:54:00:00:00:00 v9999.1", FILE_NAME ":30002: vnic: ",
			 "MAC 52:54:00:00:00:00 already belongs to VM 'vm0'");
#undef EXPECT_BAD_AFTER
	free(text);
}

static void test_conf_count_method(void)
{
	struct conf *conf = PARSE_OK("network lan0 br0\n");
	CU_ASSERT_EQUAL(conf->count_method, CONF_COUNT_PCAP); /* the default */
	CU_ASSERT_STRING_EQUAL(conf->bpf_pin_dir, CONF_DEFAULT_BPF_PIN_DIR);
	CU_ASSERT_EQUAL(conf->bpf_attach, CONF_BPF_ATTACH_AUTO);
	conf_free(conf);
	conf = PARSE_OK("countMethod ebpf\nbpfPinDir /run/bpf/vs\nbpfAttach tc\n");
	CU_ASSERT_EQUAL(conf->count_method, CONF_COUNT_EBPF);
	CU_ASSERT_STRING_EQUAL(conf->bpf_pin_dir, "/run/bpf/vs");
	CU_ASSERT_EQUAL(conf->bpf_attach, CONF_BPF_ATTACH_TC);
	conf_free(conf);
	conf = PARSE_OK("bpfAttach tc\nbpfAttach auto\n");
	CU_ASSERT_EQUAL(conf->bpf_attach, CONF_BPF_ATTACH_AUTO);
	conf_free(conf);
	conf = PARSE_OK("countMethod ebpf\ncountMethod pcap\n");
	CU_ASSERT_EQUAL(conf->count_method, CONF_COUNT_PCAP); /* the last one given */
	conf_free(conf);
	EXPECT_BAD_LINE("countMethod xdp", FILE_NAME ":3: countMethod: ",
			"'xdp' is not a counting method (pcap or ebpf)");
	EXPECT_BAD_LINE("countMethod", FILE_NAME ":3: countMethod", "countMethod pcap|ebpf");
	EXPECT_BAD_LINE("bpfPinDir sys/fs/bpf", FILE_NAME ":3: bpfPinDir: ", "not an absolute path");
	EXPECT_BAD_LINE("bpfAttach xdp", FILE_NAME ":3: bpfAttach: ",
			"'xdp' is not a way to attach (auto or tc)");
	EXPECT_BAD_LINE("bpfAttach", FILE_NAME ":3: bpfAttach", "bpfAttach auto|tc");
}

static CU_TestInfo conf_tests[] = {
	{ "countMethod pcap|ebpf, bpfPinDir and bpfAttach", test_conf_count_method },
	{ "conf_new holds the defaults", test_conf_defaults },
	{ "empty buffer", test_conf_empty_buffer },
	{ "network NAME BRIDGE", test_conf_network },
	{ "network name and bridge at their length limits", test_conf_network_name_and_bridge_at_limits },
	{ "vm without uuid", test_conf_vm_without_uuid },
	{ "vm with uuid, stored lower case", test_conf_vm_with_uuid },
	{ "vnic with host interface", test_conf_vnic_with_ifname },
	{ "vnic without host interface", test_conf_vnic_without_ifname },
	{ "captureBuffer with k/m/g and plain bytes", test_conf_capture_buffer_sizes },
	{ "comments, whole-line and trailing", test_conf_comments },
	{ "blank lines", test_conf_blank_lines },
	{ "CRLF lines", test_conf_crlf_lines },
	{ "tokens are case-insensitive", test_conf_tokens_case_insensitive },
	{ "last line without newline", test_conf_last_line_without_newline },
	{ "several files add up", test_conf_files_add_up },
	{ "conf_parse_line alone", test_conf_parse_line },
	{ "line of exactly CONF_LINE_MAX", test_conf_line_at_limit },
	{ "error: line too long", test_conf_line_too_long },
	{ "error: NUL byte", test_conf_nul_byte },
	{ "error: too many words", test_conf_too_many_words },
	{ "error: unknown token", test_conf_unknown_token },
	{ "error: network missing arguments", test_conf_network_missing_args },
	{ "error: network too many arguments", test_conf_network_too_many_args },
	{ "network with vlan=N", test_conf_network_vlan },
	{ "error: network bad vlan", test_conf_network_bad_vlan },
	{ "error: network duplicate VLAN of a bridge", test_conf_network_duplicate_vlan },
	{ "error: network name too long", test_conf_network_name_too_long },
	{ "error: network name with bad characters", test_conf_network_name_bad_chars },
	{ "error: network bad bridge name", test_conf_network_bad_bridge },
	{ "error: network duplicate name", test_conf_network_duplicate_name },
	{ "error: network duplicate bridge", test_conf_network_duplicate_bridge },
	{ "error: duplicate long name still says why", test_conf_duplicate_long_name_message },
	{ "error: vm missing arguments", test_conf_vm_missing_args },
	{ "error: vm too many arguments", test_conf_vm_too_many_args },
	{ "vm pidfile", test_conf_vm_pidfile },
	{ "error: vm bad name", test_conf_vm_bad_name },
	{ "error: vm duplicate", test_conf_vm_duplicate },
	{ "error: vm bad uuid", test_conf_vm_bad_uuid },
	{ "error: vm unknown option", test_conf_vm_unknown_option },
	{ "error: vnic missing arguments", test_conf_vnic_missing_args },
	{ "error: vnic too many arguments", test_conf_vnic_too_many_args },
	{ "error: vnic for an undefined VM", test_conf_vnic_unknown_vm },
	{ "error: vnic before its vm line", test_conf_vnic_before_vm },
	{ "error: vnic bad MAC", test_conf_vnic_bad_mac },
	{ "error: vnic multicast MAC", test_conf_vnic_multicast_mac },
	{ "error: vnic bad interface name", test_conf_vnic_bad_ifname },
	{ "error: vnic duplicate MAC", test_conf_vnic_duplicate_mac },
	{ "error: vnic duplicate interface", test_conf_vnic_duplicate_ifname },
	{ "error: vnic MAC and interface clash with different vNICs",
	  test_conf_vnic_mac_and_ifname_clash },
	{ "error: more than 65535 vNICs in a VM", test_conf_vnic_too_many_for_one_vm },
	{ "error: captureBuffer missing argument", test_conf_capture_buffer_missing_args },
	{ "error: captureBuffer too many arguments", test_conf_capture_buffer_too_many_args },
	{ "error: captureBuffer not a size", test_conf_capture_buffer_bad },
	{ "error: captureBuffer below 1m", test_conf_capture_buffer_too_small },
	{ "error: captureBuffer above 1g", test_conf_capture_buffer_too_large },
	{ "error: captureBuffer overflowing values", test_conf_capture_buffer_overflow },
	{ "stateDir default, no discovery by default", test_conf_state_dir_default },
	{ "stateDir DIR", test_conf_state_dir },
	{ "stateDir with the longest path a line holds", test_conf_state_dir_longest },
	{ "error: stateDir relative path", test_conf_state_dir_relative },
	{ "error: stateDir missing argument", test_conf_state_dir_missing_args },
	{ "error: stateDir too many arguments", test_conf_state_dir_too_many_args },
	{ "discover libvirt: default URI", test_conf_discover_libvirt_default },
	{ "discover libvirt URI", test_conf_discover_libvirt_uri },
	{ "discover: one line per source", test_conf_discover_twice },
	{ "discover: every kind has a source", test_conf_discover_kinds_have_sources },
	{ "error: discover unknown source", test_conf_discover_unknown_source },
	{ "error: discover missing arguments", test_conf_discover_missing_args },
	{ "error: discover too many arguments", test_conf_discover_too_many_args },
	{ "discover proxmox with its directories", test_conf_discover_proxmox },
	{ "foreign lines kept verbatim with file and line", test_conf_foreign_kept_verbatim },
	{ "error: unknown token with a foreign predicate", test_conf_foreign_unknown_still_error },
	{ "error: foreign token without a predicate", test_conf_foreign_without_predicate },
	{ "error: foreign line with too many words", test_conf_foreign_too_many_words },
	{ "conf_parse_file on a real file", test_conf_parse_file },
	{ "conf_parse_file on a file larger than a read", test_conf_parse_file_large },
	{ "conf_parse_file error names the file and line", test_conf_parse_file_error_names_file },
	{ "error: conf_parse_file on a missing file or a directory", test_conf_parse_file_missing },
	{ "conf_find_network by name", test_conf_find_network },
	{ "conf_find_vm", test_conf_find_vm },
	{ "2000 VMs with 2 vNICs each", test_conf_many_vms },
	{ "10,000 VMs with 2 vNICs each, and a clash after them", test_conf_10000_vms },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites[] = {
	{ "conf", NULL, NULL, NULL, NULL, conf_tests },
	CU_SUITE_INFO_NULL,
};
