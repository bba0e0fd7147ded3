package config

import (
	"encoding"
	"errors"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// This file maps the configuration struct to keys, environment variables and
// values by reflection, so that a key is added by adding a struct field only.

// envPrefix starts every environment variable that Load reads.
const envPrefix = "ALLIANCEBOT_"

// field is one key: a field of a section struct.
type field struct {
	section string // Name of the TOML table, such as "imap".
	name    string // Key within the table, such as "poll_interval".
	key     string // Full key, such as "imap.poll_interval".
	env     string // Environment variable, such as "ALLIANCEBOT_IMAP_POLL_INTERVAL".
	doc     string // Contents of the doc tag.
	index   []int  // Index path from the root struct, for reflect.Value.FieldByIndex.
}

// envName returns the environment variable of a key.
func envName(section, name string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(section+"_"+name, "-", "_"))
}

// tagName returns the TOML name of a struct field, or "" when the field is
// unexported, untagged or tagged "-".
func tagName(sf reflect.StructField) string {
	if !sf.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(sf.Tag.Get("toml"), ",")
	if name == "-" {
		return ""
	}
	return name
}

// fieldsOf lists the keys of the configuration struct type t in field order:
// the tagged fields of each tagged struct field of t.
func fieldsOf(t reflect.Type) []field {
	var fields []field
	for i := range t.NumField() {
		sec := t.Field(i)
		section := tagName(sec)
		if section == "" || sec.Type.Kind() != reflect.Struct {
			continue
		}
		for j := range sec.Type.NumField() {
			sf := sec.Type.Field(j)
			name := tagName(sf)
			if name == "" {
				continue
			}
			fields = append(fields, field{
				section: section,
				name:    name,
				key:     section + "." + name,
				env:     envName(section, name),
				doc:     sf.Tag.Get("doc"),
				index:   []int{i, j},
			})
		}
	}
	return fields
}

// decodeTOML sets the fields of root, a settable configuration struct, from
// the TOML document text read from the file name. It reports every unknown
// key and every bad value, in sorted key order.
func decodeTOML(root reflect.Value, name, text string) error {
	var doc map[string]any
	if _, err := toml.Decode(text, &doc); err != nil {
		return fmt.Errorf("config: parse %s: %w", name, err)
	}
	fields := fieldsOf(root.Type())
	sections := make(map[string]map[string]field)
	var known []string
	for _, f := range fields {
		if sections[f.section] == nil {
			sections[f.section] = make(map[string]field)
		}
		sections[f.section][f.name] = f
		known = append(known, f.key)
	}

	var errs []error
	unknown := func(k toml.Key) {
		msg := fmt.Sprintf("config: unknown key %q in %s", k.String(), name)
		if c := closest(strings.Join(k, "."), known); c != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", c)
		}
		errs = append(errs, errors.New(msg))
	}
	for _, section := range slices.Sorted(maps.Keys(doc)) {
		keys, ok := sections[section]
		if !ok {
			unknown(toml.Key{section})
			continue
		}
		table, ok := doc[section].(map[string]any)
		if !ok {
			errs = append(errs, fmt.Errorf("config: %s in %s: want a table, got %s", section, name, tomlType(doc[section])))
			continue
		}
		for _, k := range slices.Sorted(maps.Keys(table)) {
			f, ok := keys[k]
			if !ok {
				unknown(toml.Key{section, k})
				continue
			}
			if err := setTOML(root.FieldByIndex(f.index), table[k]); err != nil {
				errs = append(errs, fmt.Errorf("config: %s in %s: %w", f.key, name, err))
			}
		}
	}
	return errors.Join(errs...)
}

// decodeEnv sets the fields of root, a settable configuration struct, from
// the ALLIANCEBOT_* entries of environ. It reports every unknown variable and
// every bad value, in the order of environ.
func decodeEnv(root reflect.Value, environ []string) error {
	byEnv := make(map[string]field)
	var known []string
	for _, f := range fieldsOf(root.Type()) {
		byEnv[f.env] = f
		known = append(known, f.env)
	}
	var errs []error
	for _, kv := range environ {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, envPrefix) {
			continue
		}
		f, ok := byEnv[name]
		if !ok {
			msg := "config: unknown environment variable " + name
			if c := closest(name, known); c != "" {
				msg += " (did you mean " + c + "?)"
			}
			errs = append(errs, errors.New(msg))
			continue
		}
		if err := setString(root.FieldByIndex(f.index), value); err != nil {
			errs = append(errs, fmt.Errorf("config: %s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}

// textUnmarshaler returns v as an encoding.TextUnmarshaler, if its pointer
// implements it.
func textUnmarshaler(v reflect.Value) (encoding.TextUnmarshaler, bool) {
	if !v.CanAddr() {
		return nil, false
	}
	u, ok := v.Addr().Interface().(encoding.TextUnmarshaler)
	return u, ok
}

// isStringSlice reports whether t is a slice of a string kind.
func isStringSlice(t reflect.Type) bool {
	return t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.String
}

// supported reports whether a field of type t can be set by setTOML and
// setString.
func supported(t reflect.Type) bool {
	if reflect.PointerTo(t).Implements(reflect.TypeFor[encoding.TextUnmarshaler]()) {
		return true
	}
	switch t.Kind() {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Float32, reflect.Float64:
		return true
	}
	return isStringSlice(t)
}

// setTOML sets v from a value decoded by the toml package. Its errors never
// quote the value, which may be a secret.
func setTOML(v reflect.Value, raw any) error {
	if u, ok := textUnmarshaler(v); ok {
		s, ok := raw.(string)
		if !ok && v.Type() == reflect.TypeFor[Duration]() {
			return fmt.Errorf("want a duration string such as \"5m\", got %s", tomlType(raw))
		}
		if !ok {
			return fmt.Errorf("want a string, got %s", tomlType(raw))
		}
		return u.UnmarshalText([]byte(s))
	}
	switch v.Kind() {
	case reflect.String:
		s, ok := raw.(string)
		if !ok {
			return fmt.Errorf("want a string, got %s", tomlType(raw))
		}
		v.SetString(s)
	case reflect.Bool:
		b, ok := raw.(bool)
		if !ok {
			return fmt.Errorf("want true or false, got %s", tomlType(raw))
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := raw.(int64)
		if !ok {
			return fmt.Errorf("want an integer, got %s", tomlType(raw))
		}
		if v.OverflowInt(n) {
			return fmt.Errorf("integer %d is out of range", n)
		}
		v.SetInt(n)
	case reflect.Float32, reflect.Float64:
		var x float64
		switch n := raw.(type) {
		case float64:
			x = n
		case int64:
			x = float64(n)
		default:
			return fmt.Errorf("want a number, got %s", tomlType(raw))
		}
		if math.IsNaN(x) || math.IsInf(x, 0) || v.OverflowFloat(x) {
			return fmt.Errorf("number %v is out of range", x)
		}
		v.SetFloat(x)
	case reflect.Slice:
		if !isStringSlice(v.Type()) {
			return fmt.Errorf("unsupported type %s", v.Type())
		}
		arr, ok := raw.([]any)
		if !ok {
			return fmt.Errorf("want an array of strings, got %s", tomlType(raw))
		}
		s := reflect.MakeSlice(v.Type(), len(arr), len(arr))
		for i, e := range arr {
			str, ok := e.(string)
			if !ok {
				return fmt.Errorf("want an array of strings, got %s at index %d", tomlType(e), i)
			}
			s.Index(i).SetString(str)
		}
		v.Set(s)
	default:
		return fmt.Errorf("unsupported type %s", v.Type())
	}
	return nil
}

// setString sets v from the text of an environment variable.
func setString(v reflect.Value, s string) error {
	if u, ok := textUnmarshaler(v); ok {
		return u.UnmarshalText([]byte(s))
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("invalid boolean %q; use true or false", s)
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, v.Type().Bits())
		if errors.Is(err, strconv.ErrRange) {
			return fmt.Errorf("integer %q is out of range", s)
		}
		if err != nil {
			return fmt.Errorf("invalid integer %q", s)
		}
		v.SetInt(n)
	case reflect.Float32, reflect.Float64:
		x, err := strconv.ParseFloat(strings.TrimSpace(s), v.Type().Bits())
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("invalid number %q", s)
		}
		v.SetFloat(x)
	case reflect.Slice:
		if !isStringSlice(v.Type()) {
			return fmt.Errorf("unsupported type %s", v.Type())
		}
		var items []string
		for item := range strings.SplitSeq(s, ",") {
			if item = strings.TrimSpace(item); item != "" {
				items = append(items, item)
			}
		}
		list := reflect.MakeSlice(v.Type(), len(items), len(items))
		for i, item := range items {
			list.Index(i).SetString(item)
		}
		v.Set(list)
	default:
		return fmt.Errorf("unsupported type %s", v.Type())
	}
	return nil
}

// formatValue returns v as text that setString accepts; a Secret gives "".
func formatValue(v reflect.Value) string {
	if v.Type() == reflect.TypeFor[Secret]() {
		return ""
	}
	m, ok := v.Interface().(encoding.TextMarshaler)
	if !ok && v.CanAddr() {
		m, ok = v.Addr().Interface().(encoding.TextMarshaler)
	}
	if ok {
		text, err := m.MarshalText()
		if err != nil {
			return ""
		}
		return string(text)
	}
	switch v.Kind() {
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'g', -1, v.Type().Bits())
	case reflect.Slice:
		if isStringSlice(v.Type()) {
			items := make([]string, v.Len())
			for i := range items {
				items[i] = v.Index(i).String()
			}
			return strings.Join(items, ",")
		}
	}
	return fmt.Sprint(v.Interface())
}

// tomlType names the TOML type of a value decoded by the toml package.
func tomlType(raw any) string {
	switch raw.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case time.Time:
		return "a datetime"
	case []any:
		return "an array"
	case map[string]any:
		return "a table"
	case []map[string]any:
		return "an array of tables"
	}
	return fmt.Sprintf("%T", raw)
}

// closest returns the known name closest to name if it is within two edits,
// or "", to suggest a fix for a misspelt key.
func closest(name string, known []string) string {
	if len(name) > 64 {
		return ""
	}
	best, bestDist := "", 3
	for _, k := range known {
		if d := editDistance(name, k); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// editDistance returns the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
