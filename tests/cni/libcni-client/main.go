// libcni-client drives CNI plugins through Debian's libcni (the same library
// cnitool, podman and many runtimes use), so v6k-cni is tested by a real CNI
// runtime rather than by our own reading of the spec.
//
// Usage:
//
//	libcni-client [flags] add|check|del <conflist> <container-id> <netns-path> [ifname]
//	libcni-client [flags] validate|version <conflist>
//	libcni-client gc|status ...   (not in libcni 1.1.2: exits 3 with a message)
//
// Flags (anywhere before or between the positional arguments):
//
//	-cni-path DIRS     plugin search path, ':'-separated (default $CNI_PATH)
//	-cache-dir DIR     libcni result cache (default $CNI_CACHE_DIR, else /var/lib/cni)
//	-cni-version V     override the conflist's cniVersion (e.g. 1.0.0)
//	-args K=V;K=V      CNI_ARGS passed to every plugin
//	-capability-args J JSON object of runtimeConfig capability args
//
// The conflist may also be a single-plugin config (no "plugins" key).
// ADD prints the result JSON on stdout; CHECK and DEL print nothing.
// Any error goes to stderr and the exit status is non-zero (1 = plugin or
// libcni error, 2 = usage error, 3 = command not offered by this libcni).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/containernetworking/cni/libcni"
	"github.com/containernetworking/cni/pkg/types"
	"github.com/containernetworking/cni/pkg/version"
)

const usage = `usage: libcni-client [flags] add|check|del <conflist> <container-id> <netns-path> [ifname]
       libcni-client [flags] validate|version <conflist>
flags: -cni-path DIRS  -cache-dir DIR  -cni-version V  -args 'K=V;K=V'  -capability-args JSON
libcni implements CNI spec up to ` + "%s" + `; gc and status are not offered by this libcni.
`

type options struct {
	cniPath        string
	cacheDir       string
	cniVersion     string
	cniArgs        string
	capabilityArgs string
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

type unsupportedError struct{ msg string }

func (e unsupportedError) Error() string { return e.msg }

// parseArgs accepts flags interleaved with positional arguments.
func parseArgs(args []string, stderr io.Writer) (options, []string, error) {
	opts := options{
		cniPath:  os.Getenv("CNI_PATH"),
		cacheDir: os.Getenv("CNI_CACHE_DIR"),
	}
	fs := flag.NewFlagSet("libcni-client", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&opts.cniPath, "cni-path", opts.cniPath, "plugin search path (':'-separated); default $CNI_PATH")
	fs.StringVar(&opts.cacheDir, "cache-dir", opts.cacheDir, "libcni cache dir; default $CNI_CACHE_DIR or "+libcni.CacheDir)
	fs.StringVar(&opts.cniVersion, "cni-version", "", "override the conflist's cniVersion")
	fs.StringVar(&opts.cniArgs, "args", os.Getenv("CNI_ARGS"), "CNI_ARGS as 'K=V;K=V'")
	fs.StringVar(&opts.capabilityArgs, "capability-args", "", "JSON object of capability args (runtimeConfig)")

	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return opts, nil, usageError{err.Error()}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
	return opts, positional, nil
}

// loadConfList reads a conflist, or a single-plugin config wrapped into one.
func loadConfList(path, overrideVersion string) (*libcni.NetworkConfigList, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(raw, &probe); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", path, err)
	}
	if overrideVersion != "" {
		probe["cniVersion"], _ = json.Marshal(overrideVersion)
		if raw, err = json.Marshal(probe); err != nil {
			return nil, err
		}
	}
	if _, isList := probe["plugins"]; isList {
		if overrideVersion == "" {
			// The exact API the brief asks for; parsing is identical to ConfListFromBytes.
			return libcni.ConfListFromFile(path)
		}
		return libcni.ConfListFromBytes(raw)
	}
	conf, err := libcni.ConfFromBytes(raw)
	if err != nil {
		return nil, err
	}
	return libcni.ConfListFromConf(conf)
}

func parseCNIArgs(s string) ([][2]string, error) {
	var out [][2]string
	if s == "" {
		return out, nil
	}
	for _, kv := range strings.Split(s, ";") {
		if kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, usageError{fmt.Sprintf("invalid CNI_ARGS pair %q (want K=V)", kv)}
		}
		out = append(out, [2]string{k, v})
	}
	return out, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	opts, pos, err := parseArgs(args, stderr)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usageError{"missing command"}
	}
	cmd := pos[0]
	switch cmd {
	case "gc", "status":
		return unsupportedError{fmt.Sprintf(
			"%s: not available: Debian's libcni 1.1.2 implements CNI spec %s (ADD/CHECK/DEL/VERSION only); "+
				"GCNetworkList/GetStatusNetworkList arrived with spec 1.1.0 in libcni 1.2.0",
			strings.ToUpper(cmd), version.Current())}
	case "add", "check", "del":
		if len(pos) < 4 || len(pos) > 5 {
			return usageError{fmt.Sprintf("%s needs <conflist> <container-id> <netns-path> [ifname]", cmd)}
		}
	case "validate", "version":
		if len(pos) != 2 {
			return usageError{fmt.Sprintf("%s needs <conflist>", cmd)}
		}
	default:
		return usageError{fmt.Sprintf("unknown command %q", cmd)}
	}

	list, err := loadConfList(pos[1], opts.cniVersion)
	if err != nil {
		return err
	}
	if opts.cniPath == "" {
		return usageError{"no plugin path: set CNI_PATH or pass -cni-path"}
	}
	cni := libcni.NewCNIConfigWithCacheDir(filepath.SplitList(opts.cniPath), opts.cacheDir, nil)

	switch cmd {
	case "validate":
		caps, err := cni.ValidateNetworkList(ctx, list)
		if err != nil {
			return err
		}
		sort.Strings(caps)
		return printJSON(stdout, map[string]interface{}{"cniVersion": list.CNIVersion, "name": list.Name, "capabilities": caps})
	case "version":
		out := map[string]interface{}{}
		for _, p := range list.Plugins {
			vi, err := cni.GetVersionInfo(ctx, p.Network.Type)
			if err != nil {
				return fmt.Errorf("plugin %s: %w", p.Network.Type, err)
			}
			out[p.Network.Type] = vi.SupportedVersions()
		}
		return printJSON(stdout, out)
	}

	rt := &libcni.RuntimeConf{
		ContainerID: pos[2],
		NetNS:       pos[3],
		IfName:      "eth0",
	}
	if len(pos) == 5 {
		rt.IfName = pos[4]
	}
	if rt.Args, err = parseCNIArgs(opts.cniArgs); err != nil {
		return err
	}
	if opts.capabilityArgs != "" {
		if err := json.Unmarshal([]byte(opts.capabilityArgs), &rt.CapabilityArgs); err != nil {
			return usageError{fmt.Sprintf("-capability-args: %v", err)}
		}
	}

	switch cmd {
	case "add":
		res, err := cni.AddNetworkList(ctx, list, rt)
		if err != nil {
			return err
		}
		return printResult(stdout, res)
	case "check":
		return cni.CheckNetworkList(ctx, list, rt)
	case "del":
		return cni.DelNetworkList(ctx, list, rt)
	}
	return nil
}

func printResult(w io.Writer, res types.Result) error {
	b, err := json.MarshalIndent(res, "", "    ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

func printJSON(w io.Writer, v interface{}) error {
	b, err := json.MarshalIndent(v, "", "    ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

func main() {
	err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)
	if err == nil {
		return
	}
	var ue usageError
	var unsup unsupportedError
	switch {
	case errors.As(err, &ue):
		fmt.Fprintf(os.Stderr, "libcni-client: %v\n", err)
		fmt.Fprintf(os.Stderr, usage, version.Current())
		os.Exit(2)
	case errors.As(err, &unsup):
		fmt.Fprintf(os.Stderr, "libcni-client: %v\n", err)
		os.Exit(3)
	default:
		// Plugin errors arrive as *types.Error; print the spec's JSON form too.
		var te *types.Error
		if errors.As(err, &te) {
			b, _ := json.Marshal(te)
			fmt.Fprintf(os.Stderr, "libcni-client: plugin error: %s\n", b)
		} else {
			fmt.Fprintf(os.Stderr, "libcni-client: %v\n", err)
		}
		os.Exit(1)
	}
}
