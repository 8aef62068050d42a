#!/usr/bin/env bash
# Builds and lints every Bicep file under infra/ with the bicep CLI, and fails on any error or
# warning.
#
# The CLI comes from the NuGet package Azure.Bicep.CommandLine.linux-x64 (it ships the
# self-contained `bicep` executable under tools/). It is fetched with the .NET SDK's own NuGet
# client: `dotnet restore` of a throw-away project holding a single <PackageDownload>, so it goes
# through whatever NuGet sources and mirrors the machine is configured with, and it is cached under
# .tools/bicep/ (gitignored). Only the .NET SDK is needed.
#
# Usage: scripts/bicep.sh            build + lint + format-check every infra/**/*.bicep,
#                                    build-params + format-check every infra/**/*.bicepparam
#        BICEP_VERSION=x.y.z scripts/bicep.sh   use another CLI version
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
INFRA="$ROOT/infra"
BICEP_VERSION="${BICEP_VERSION:-0.49.2}"
PACKAGE_ID="Azure.Bicep.CommandLine.linux-x64"
TOOLS="$ROOT/.tools/bicep"
PACKAGES="$TOOLS/packages"
package_dir="$PACKAGES/$(tr '[:upper:]' '[:lower:]' <<<"$PACKAGE_ID")/$BICEP_VERSION"
BICEP="$package_dir/tools/bicep"

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) echo "bicep.sh: $PACKAGE_ID runs on linux-x64 only (this is $(uname -s)-$(uname -m))" >&2; exit 2 ;;
esac

fetch_bicep() {
  command -v dotnet >/dev/null || { echo "bicep.sh: the .NET SDK (dotnet) is required" >&2; exit 2; }
  local proj="$TOOLS/fetch"
  mkdir -p "$proj"
  # Stop MSBuild from importing the repository's Directory.Build.props/.targets and
  # Directory.Packages.props (central package management, warnings as errors): this project only
  # downloads a package and must not depend on how the solution is configured.
  printf '<Project />\n' >"$proj/Directory.Build.props"
  printf '<Project />\n' >"$proj/Directory.Build.targets"
  printf '<Project />\n' >"$proj/Directory.Packages.props"
  cat >"$proj/fetch.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net$(dotnet --version | cut -d. -f1-2)</TargetFramework>
    <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
  </PropertyGroup>
  <ItemGroup>
    <PackageDownload Include="$PACKAGE_ID" Version="[$BICEP_VERSION]" />
  </ItemGroup>
</Project>
EOF
  # A package folder without the executable (an interrupted restore) would be taken as installed.
  rm -rf "$package_dir"
  echo "bicep.sh: fetching $PACKAGE_ID $BICEP_VERSION with dotnet restore" >&2
  # Run from the project folder so the repository's global.json (SDK pin) still applies, but
  # NuGet.config discovery starts there too (none there: user and machine config are used).
  (cd "$proj" && dotnet restore fetch.csproj --packages "$PACKAGES" --nologo -v quiet) >&2
  [[ -f "$BICEP" ]] || { echo "bicep.sh: $BICEP not found after restore" >&2; exit 2; }
  chmod +x "$BICEP"
}

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
[[ -x "$BICEP" ]] || fetch_bicep
# The bicep CLI is a self-contained .NET app: in invariant globalization mode it does not need
# libicu on the machine.
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1

version="$("$BICEP" --version | head -n1)"

mapfile -t bicep_files < <(cd "$ROOT" && find infra -type f -name '*.bicep' | sort)
mapfile -t param_files < <(cd "$ROOT" && find infra -type f -name '*.bicepparam' | sort)
if [[ ${#bicep_files[@]} -eq 0 ]]; then
  echo "bicep.sh: no .bicep files under infra/" >&2
  exit 1
fi

out_dir="$(mktemp -d)"
trap 'rm -rf "$out_dir"' EXIT

# Work on copies so that nothing is written into infra/ (build puts main.json beside main.bicep).
# One CLI invocation per command over all files (--pattern): each start of the CLI costs a second.
cp -R "$INFRA" "$out_dir/build"
cp -R "$INFRA" "$out_dir/format"

errors=0
warnings=0
failed_steps=0

# Runs one bicep command in a copy; counts the diagnostics it prints. Errors and warnings both
# fail the run (the linter rules are at error level in infra/bicepconfig.json; compiler warnings
# such as BCP081 "no type information" or BCP037 "property not allowed" are counted here).
run() {
  local label="$1" dir="$2"; shift 2
  local log="$out_dir/log" rc=0
  (cd "$dir" && "$BICEP" "$@") >"$log" 2>&1 || rc=$?
  # Report paths as the repository's, not the copy's.
  sed -i "s#$dir/#infra/#g" "$log"
  local e w
  e=$(grep -cE ' : Error ' "$log" || true)
  w=$(grep -cE ' : Warning ' "$log" || true)
  errors=$((errors + e))
  warnings=$((warnings + w))
  if [[ $rc -ne 0 || $e -gt 0 || $w -gt 0 ]]; then
    failed_steps=$((failed_steps + 1))
    echo "FAIL bicep $label (exit $rc, $e error(s), $w warning(s))"
    sed 's/^/    /' "$log"
  fi
}

run build "$out_dir/build" build --pattern '**/*.bicep'
run lint "$out_dir/build" lint --pattern '**/*.bicep'
if [[ ${#param_files[@]} -gt 0 ]]; then
  run build-params "$out_dir/build" build-params --pattern '**/*.bicepparam' --outdir "$out_dir/params"
fi

# Every file must be in `bicep format` layout.
unformatted=0
run format "$out_dir/format" format --pattern '**/*.bicep*'
for f in "${bicep_files[@]}" "${param_files[@]}"; do
  rel="${f#infra/}"
  if ! diff -u "$ROOT/$f" "$out_dir/format/$rel" >"$out_dir/diff"; then
    failed_steps=$((failed_steps + 1))
    unformatted=$((unformatted + 1))
    echo "FAIL format: $f is not in 'bicep format' layout; fix it with: $BICEP format $f"
    sed 's/^/    /' "$out_dir/diff" | head -n 40
  fi
done

summary="bicep: ${#bicep_files[@]} bicep file(s) built and linted, ${#param_files[@]} bicepparam file(s) built, $errors error(s), $warnings warning(s), $unformatted unformatted ($version)"
if [[ $failed_steps -ne 0 ]]; then
  echo "FAILED $summary"
  exit 1
fi
echo "OK $summary"
