# Build the Windows bundle and installer:   powershell -File packaging\build_windows.ps1 [-SelfTest]
#
#   dist\ibkr-desktop\ibkr-desktop.exe        one-folder PyInstaller bundle (windowed)
#   dist\ibkr-desktop-<version>-setup.exe     Inno Setup installer (packaging\windows\ibkr-desktop.iss)
#
# Needs: Python 3.11+ with the app and PyInstaller (python -m venv .venv;
# .venv\Scripts\pip install -e ".[packaging]"), Inno Setup 6 (ISCC.exe; set $env:ISCC if it is
# not in the default place). -SelfTest runs the bundle's --self-test before packaging.
param([switch]$SelfTest)
$ErrorActionPreference = "Stop"
$Root = Split-Path -Parent $PSScriptRoot
Set-Location $Root
$Python = if ($env:PYTHON) { $env:PYTHON } else { Join-Path $Root ".venv\Scripts\python.exe" }
$Iscc = if ($env:ISCC) { $env:ISCC } else { "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe" }
$Started = Get-Date

& $Python packaging\make_icons.py --out build\icons
if ($LASTEXITCODE) { throw "make_icons.py failed" }
& $Python -m PyInstaller --noconfirm --clean --log-level WARN --distpath dist `
    --workpath build\pyinstaller packaging\ibkr-desktop.spec
if ($LASTEXITCODE) { throw "PyInstaller failed" }

if ($SelfTest) {
    # a windowed .exe has no console: wait for it and read its exit code (0 = every step passed)
    $env:QT_QPA_PLATFORM = "offscreen"
    $run = Start-Process -FilePath dist\ibkr-desktop\ibkr-desktop.exe -ArgumentList "--self-test" `
        -Wait -PassThru -NoNewWindow
    Remove-Item Env:QT_QPA_PLATFORM
    if ($run.ExitCode) { throw "self-test failed at step $($run.ExitCode)" }
    Write-Output "self-test OK"
}

$Version = & $Python -c "import tomllib; print(tomllib.load(open('pyproject.toml', 'rb'))['project']['version'])"
& $Iscc "/DAppVersion=$Version" packaging\windows\ibkr-desktop.iss
if ($LASTEXITCODE) { throw "Inno Setup failed" }
Write-Output ("done in {0:n0} s: dist\ibkr-desktop-$Version-setup.exe" -f ((Get-Date) - $Started).TotalSeconds)
