; Inno Setup 6 script: dist\ibkr-desktop-<version>-setup.exe from the PyInstaller bundle.
; Run by packaging\build_windows.ps1 (which builds dist\ibkr-desktop and build\icons first):
;   ISCC.exe /DAppVersion=0.1.0 packaging\windows\ibkr-desktop.iss
; Paths are relative to this file. Installs per user or for all users (the user chooses),
; adds a Start-menu entry "IBKR Desktop" (and, if ticked, a desktop icon) and an uninstaller
; (Settings > Apps). The user's settings (registry) and demo account and logs
; (%LOCALAPPDATA%\ibkr-desktop) are kept.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif

[Setup]
AppId={{6F1C2B7E-6A55-4C0B-9D1E-2B8B4E6F7A10}
AppName=IBKR Desktop
AppVersion={#AppVersion}
AppPublisher=ibkr-desktop developers
DefaultDirName={autopf}\IBKR Desktop
DefaultGroupName=IBKR Desktop
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=ibkr-desktop-{#AppVersion}-setup
SetupIconFile=..\..\build\icons\ibkr-desktop.ico
UninstallDisplayIcon={app}\ibkr-desktop.exe
UninstallDisplayName=IBKR Desktop
Compression=lzma2
SolidCompression=yes
WizardStyle=modern

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "..\..\dist\ibkr-desktop\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\IBKR Desktop"; Filename: "{app}\ibkr-desktop.exe"
Name: "{autodesktop}\IBKR Desktop"; Filename: "{app}\ibkr-desktop.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\ibkr-desktop.exe"; Description: "{cm:LaunchProgram,IBKR Desktop}"; Flags: nowait postinstall skipifsilent
