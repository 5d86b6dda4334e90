# tests/tap.sh: TAP assertions for the shell tests (sourced); the plan comes last, from done_testing.
T_N=0
T_FAILED=0

ok() {	# ok CONDITION-EXIT-STATUS NAME
	T_N=$((T_N + 1))
	if [ "$1" -eq 0 ]; then echo "ok $T_N - $2"; else echo "not ok $T_N - $2"; T_FAILED=$((T_FAILED + 1)); fi
}

is() {	# is GOT WANT NAME
	T_N=$((T_N + 1))
	if [ "$1" = "$2" ]; then
		echo "ok $T_N - $3"
	else
		echo "not ok $T_N - $3"
		printf '#   got:  %s\n#   want: %s\n' "$1" "$2"
		T_FAILED=$((T_FAILED + 1))
	fi
}

like() {	# like GOT EXTENDED-REGEX NAME
	T_N=$((T_N + 1))
	if printf '%s' "$1" | grep -Eq -- "$2"; then
		echo "ok $T_N - $3"
	else
		echo "not ok $T_N - $3"
		printf '#   got:  %s\n#   want: /%s/\n' "$1" "$2"
		T_FAILED=$((T_FAILED + 1))
	fi
}

unlike() {	# unlike GOT EXTENDED-REGEX NAME
	T_N=$((T_N + 1))
	if printf '%s' "$1" | grep -Eq -- "$2"; then
		echo "not ok $T_N - $3"
		printf '#   got:  %s\n#   must not match: /%s/\n' "$1" "$2"
		T_FAILED=$((T_FAILED + 1))
	else
		echo "ok $T_N - $3"
	fi
}

done_testing() {
	echo "1..$T_N"
	[ "$T_FAILED" -eq 0 ]
}
