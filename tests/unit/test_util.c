/* test_util.c: UTF-8 checking, SHA-256 vectors, number parsing, log value quoting and random bytes. */
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "sha256.h"
#include "tap.h"
#include "util.h"

int
main(void)
{
	char hex[65], lv[64];
	struct sha256 s;
	unsigned char d[32];
	long v;
	int i;

	ok(utf8_valid("plain", 5), "ASCII is UTF-8");
	ok(utf8_valid("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9), "2, 3 and 4 byte sequences");
	ok(!utf8_valid("\xc0\xaf", 2), "an overlong is refused");
	ok(!utf8_valid("\xed\xa0\x80", 3), "a surrogate is refused");
	ok(!utf8_valid("\xf4\x90\x80\x80", 4), "above U+10FFFF is refused");
	ok(!utf8_valid("\xe2\x82", 2), "a cut sequence is refused");
	ok(!utf8_valid("a\0b", 3), "a NUL is refused");
	is_int((long)utf8_length("h\xc3\xa9llo", 6), 5, "code points are counted");

	sha256_hex("", 0, hex);
	is_str(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	    "SHA-256 of nothing");
	sha256_hex("abc", 3, hex);
	is_str(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	    "SHA-256 of abc");
	sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex);
	is_str(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
	    "SHA-256 of the 448-bit vector");
	sha256_init(&s);
	for (i = 0; i < 1000; i++)
		sha256_update(&s, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 1000);
	sha256_final(&s, d);
	hex_encode(d, 32, hex);
	is_str(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
	    "SHA-256 of a million a's, fed in pieces");

	ok(parse_long("42", 0, 100, &v) && v == 42, "a number parses");
	ok(!parse_long("101", 0, 100, &v), "above the bound is refused");
	ok(!parse_long("", 0, 100, &v), "empty is refused");
	ok(!parse_long(" 4", 0, 100, &v), "leading space is refused");
	ok(!parse_long("99999999999999999999999", 0, 100, &v), "overflow is refused");

	is_str(log_value("/healthz", lv, sizeof(lv)), "/healthz", "a plain log value stays bare");
	is_str(log_value("a b\"\n", lv, sizeof(lv)), "\"a b\\\"\\x0a\"",
	    "a log value with space, quote and newline is quoted and escaped");
	is_str(log_value("", lv, sizeof(lv)), "\"\"", "an empty log value is quoted");
	ok(strlen(log_value("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	    lv, sizeof(lv))) < sizeof(lv), "a long log value is cut to fit");

	ok(ct_equal("abcd", "abcd", 4) && !ct_equal("abcd", "abce", 4), "constant-time compare");
	ok(ascii_ieq("Content-Type", "content-type") && !ascii_ieq("a", "ab"), "ASCII case-folding");
	/* random_bytes hands each pooled byte out once, also across a fork */
	{
		unsigned char a[16], b[16], big[1000], zero[16] = { 0 }, child[16];
		int fds[2], status;
		pid_t pid;
		size_t k, same = 0;

		ok(random_bytes(a, sizeof(a)) && random_bytes(b, sizeof(b)), "random bytes are made");
		ok(memcmp(a, b, sizeof(a)) != 0 && memcmp(a, zero, sizeof(a)) != 0,
		    "two draws differ and are not zero");
		ok(random_bytes(big, sizeof(big)), "a draw larger than the pool is made");
		for (k = 1; k < sizeof(big); k++)
			same += big[k] == big[k - 1];
		ok(same < 50, "  ...and is not one byte repeated");
		if (pipe(fds) == 0 && (pid = fork()) >= 0) {
			if (pid == 0) {
				close(fds[0]);
				_exit(random_bytes(child, sizeof(child)) &&
				    write(fds[1], child, sizeof(child)) == (ssize_t)sizeof(child) ? 0 : 1);
			}
			close(fds[1]);
			ok(random_bytes(a, sizeof(a)), "the parent draws after a fork");
			ok(read(fds[0], child, sizeof(child)) == (ssize_t)sizeof(child) &&
			    waitpid(pid, &status, 0) == pid && status == 0, "the child draws too");
			ok(memcmp(a, child, sizeof(a)) != 0,
			    "parent and child never draw the same pooled bytes");
			close(fds[0]);
		} else
			ok(0, "pipe and fork");
	}

	return done_testing();
}
