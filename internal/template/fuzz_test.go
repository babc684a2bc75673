package template

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzRender resolves any file with any parameter: it never panics, never hangs on aliases, and what it makes is
// a JSON document (or the input, untouched) whose every pointer locates somewhere. Cases it found are kept in
// testdata/fuzz/FuzzRender.
func FuzzRender(f *testing.F) {
	files, _ := filepath.Glob("testdata/corpus/*.yaml")
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(string(data), "x", "")
		}
	}
	f.Add("a: !If [c, !Ref AWS::NoValue, [*x]]\n", "true", "")
	f.Add("a: &a [*a, *a]\n", "", "")
	f.Add("a: !Sub ['${x}${!y}$${z}', {x: !Select [0, !Ref L]}]\n", "1,2", "")
	f.Add("Resources: {A: {Type: AWS::Serverless::Api, Properties: {DefinitionBody: !Ref c}}}\n", "v", "A")
	f.Fuzz(func(t *testing.T, data, value, resource string) {
		params := map[string]string{"c": value, "x": value, "L": value, "Fn.Arn": value}
		res, err := Render(Input{File: "f.yaml", Data: []byte(data), Parameters: params, Resource: resource, Pseudo: pseudo,
			ReadFile: func(string) ([]byte, error) { return []byte(data), nil }})
		if err != nil {
			return
		}
		if string(res.Data) != data {
			var v any
			if err := json.Unmarshal(res.Data, &v); err != nil {
				t.Fatalf("Render made invalid JSON %q: %v", res.Data, err)
			}
		}
		if file, _ := res.Locate("/a/0"); file == "" {
			t.Fatalf("Locate names no file")
		}
	})
}
