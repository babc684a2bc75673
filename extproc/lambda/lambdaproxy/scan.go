package lambdaproxy

// A function's output is checked once with json.Valid, then walked in place with jsonscan.

// kind returns the first byte of a raw value: '"', '{', '[', 't'/'f' (booleans), 'n' (null) or a number's first
// character.
func kind(raw []byte) byte {
	if len(raw) == 0 {
		return 0
	}
	return raw[0]
}

func isNull(raw []byte) bool {
	return raw == nil || string(raw) == "null"
}
