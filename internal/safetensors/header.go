package safetensors

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// entry is one tensor as the header describes it, not yet checked against
// the data.
type entry struct {
	name       string
	dtype      DType
	shape      []uint64
	begin, end uint64
}

// header is the parsed header.
type header struct {
	entries  []entry
	metadata map[string]string // nil when the header has no __metadata__
}

// parseHeader parses the header bytes. It accepts exactly one JSON object
// that starts at the first byte and is followed by nothing but JSON
// whitespace, rejects duplicate keys at every level, and walks the tokens
// itself (encoding/json would silently keep the last of two duplicate
// keys and replace invalid text with U+FFFD).
func parseHeader(b []byte) (*header, error) {
	if len(b) == 0 {
		return nil, errors.New("the header is empty (length 0)")
	}
	if !utf8.Valid(b) {
		return nil, errors.New("the header is not valid UTF-8")
	}
	if b[0] != '{' {
		return nil, fmt.Errorf("the header does not start with '{' but with %s", quote(string(b[:min(len(b), 16)])))
	}
	if err := checkSurrogates(b); err != nil {
		return nil, err
	}
	p := &parser{dec: json.NewDecoder(bytes.NewReader(b))}
	p.dec.UseNumber()
	h, err := p.object()
	if err != nil {
		var se *json.SyntaxError
		switch {
		case errors.As(err, &se):
			return nil, fmt.Errorf("the header is not valid JSON: %v (at byte %d of the header)", se, se.Offset)
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			return nil, errors.New("the header is not valid JSON: it ends inside the object")
		}
		return nil, err
	}
	for i, c := range b[p.dec.InputOffset():] {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return nil, fmt.Errorf("the header has %s after its JSON object (at byte %d of the header); only whitespace padding may follow",
				quote(string(c)), int(p.dec.InputOffset())+i)
		}
	}
	return h, nil
}

// checkSurrogates rejects \u escapes that encode half of a UTF-16
// surrogate pair without the other half, which encoding/json would turn
// into U+FFFD (making two different names equal) and serde_json rejects.
func checkSurrogates(b []byte) error {
	hex := func(i int) (rune, bool) {
		if i+6 > len(b) || b[i] != '\\' || b[i+1] != 'u' {
			return 0, false
		}
		v, err := strconv.ParseUint(string(b[i+2:i+6]), 16, 16)
		return rune(v), err == nil
	}
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			continue // outside strings valid JSON has no backslash
		}
		r, ok := hex(i)
		if !ok {
			i++ // a two-character escape such as \" or \\
			continue
		}
		switch {
		case r >= 0xD800 && r < 0xDC00:
			if lo, ok := hex(i + 6); ok && lo >= 0xDC00 && lo < 0xE000 {
				i += 11
				continue
			}
			return fmt.Errorf("the header has an unpaired UTF-16 surrogate escape %s at byte %d", b[i:i+6], i)
		case r >= 0xDC00 && r < 0xE000:
			return fmt.Errorf("the header has an unpaired UTF-16 surrogate escape %s at byte %d", b[i:i+6], i)
		}
		i += 5
	}
	return nil
}

type parser struct{ dec *json.Decoder }

// delim reads a token that must be the delimiter want; what describes the
// value for the message.
func (p *parser) delim(want json.Delim, what string) error {
	tok, err := p.dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		kind := map[json.Delim]string{'{': "an object", '[': "an array"}[want]
		return fmt.Errorf("%s is %s, not %s", what, describe(tok), kind)
	}
	return nil
}

// key reads an object key and rejects one already in seen.
func (p *parser) key(seen map[string]bool, where string) (string, error) {
	tok, err := p.dec.Token()
	if err != nil {
		return "", err
	}
	k, ok := tok.(string)
	if !ok { // the decoder reports a non-string key as a syntax error
		return "", fmt.Errorf("the header is not valid JSON: %s where a key should be", describe(tok))
	}
	if seen[k] {
		return "", fmt.Errorf("duplicate key %s %s", quote(k), where)
	}
	seen[k] = true
	return k, nil
}

func (p *parser) object() (*header, error) {
	if err := p.delim('{', "the header"); err != nil {
		return nil, err
	}
	h := &header{}
	seen := map[string]bool{}
	for p.dec.More() {
		name, err := p.key(seen, "in the header")
		if err != nil {
			return nil, err
		}
		if name == MetadataKey {
			if h.metadata, err = p.metadata(); err != nil {
				return nil, err
			}
			continue
		}
		e, err := p.tensor(name)
		if err != nil {
			return nil, err
		}
		h.entries = append(h.entries, e)
	}
	_, err := p.dec.Token() // the closing '}'
	return h, err
}

// metadata reads the __metadata__ value: an object of strings, or null for
// none.
func (p *parser) metadata() (map[string]string, error) {
	tok, err := p.dec.Token()
	if err != nil {
		return nil, err
	}
	if tok == nil {
		return nil, nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("%s is %s, not an object of strings", MetadataKey, describe(tok))
	}
	m := map[string]string{}
	seen := map[string]bool{}
	for p.dec.More() {
		k, err := p.key(seen, "in "+MetadataKey)
		if err != nil {
			return nil, err
		}
		tok, err := p.dec.Token()
		if err != nil {
			return nil, err
		}
		v, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("%s entry %s is %s; metadata values must be strings", MetadataKey, quote(k), describe(tok))
		}
		m[k] = v
	}
	_, err = p.dec.Token()
	return m, err
}

// tensor reads one tensor's {"dtype", "shape", "data_offsets"} object.
func (p *parser) tensor(name string) (entry, error) {
	e := entry{name: name}
	what := "tensor " + quote(name)
	if err := p.delim('{', "the entry of "+what); err != nil {
		return e, err
	}
	seen := map[string]bool{}
	for p.dec.More() {
		k, err := p.key(seen, "in the entry of "+what)
		if err != nil {
			return e, err
		}
		switch k {
		case "dtype":
			tok, err := p.dec.Token()
			if err != nil {
				return e, err
			}
			s, ok := tok.(string)
			if !ok {
				return e, fmt.Errorf("%s: dtype is %s, not a string", what, describe(tok))
			}
			e.dtype = DType(s)
		case "shape":
			if e.shape, err = p.uints(what + ": shape"); err != nil {
				return e, err
			}
		case "data_offsets":
			offs, err := p.uints(what + ": data_offsets")
			if err != nil {
				return e, err
			}
			if len(offs) != 2 {
				return e, fmt.Errorf("%s: data_offsets has %d numbers, not 2 ([begin, end])", what, len(offs))
			}
			e.begin, e.end = offs[0], offs[1]
		default:
			return e, fmt.Errorf("%s: unknown field %s (a tensor has only dtype, shape and data_offsets)", what, quote(k))
		}
	}
	if _, err := p.dec.Token(); err != nil {
		return e, err
	}
	for _, f := range []string{"dtype", "shape", "data_offsets"} {
		if !seen[f] {
			return e, fmt.Errorf("%s: the entry has no %s", what, f)
		}
	}
	return e, nil
}

// uints reads an array of non-negative integers that fit in a uint64.
func (p *parser) uints(what string) ([]uint64, error) {
	if err := p.delim('[', what); err != nil {
		return nil, err
	}
	var out []uint64
	for p.dec.More() {
		tok, err := p.dec.Token()
		if err != nil {
			return nil, err
		}
		num, ok := tok.(json.Number)
		if !ok {
			return nil, fmt.Errorf("%s[%d] is %s, not a number", what, len(out), describe(tok))
		}
		v, err := strconv.ParseUint(string(num), 10, 64)
		if err != nil {
			if errors.Is(err, strconv.ErrRange) {
				return nil, fmt.Errorf("%s[%d] = %s does not fit in 64 bits", what, len(out), quote(string(num)))
			}
			return nil, fmt.Errorf("%s[%d] = %s is not a non-negative integer", what, len(out), quote(string(num)))
		}
		out = append(out, v)
	}
	_, err := p.dec.Token()
	return out, err
}

// describe names the kind of a JSON token for messages.
func describe(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		return map[json.Delim]string{'{': "an object", '[': "an array", '}': "the end of an object", ']': "the end of an array"}[v]
	case string:
		return "the string " + quote(v)
	case json.Number:
		return "the number " + quote(string(v))
	case bool:
		return "the boolean " + strconv.FormatBool(v)
	case nil:
		return "null"
	}
	return fmt.Sprintf("%v", tok)
}
