; The Windows installer of GridOffice (网格通), made with Inno Setup 6 from the one-folder build
; (packaging/gridoffice.spec). .github/workflows/windows.yml runs, from the checkout:
;   iscc /DAppVersion=0.1.0 packaging\windows\gridoffice.iss      → dist\GridOffice-0.1.0-setup.exe
; It installs the program only. Offices, their backups and the settings live in the user's folders
; (see the README, "Installing on a Windows office PC"): upgrading or uninstalling never touches them.
; Saved as UTF-8 with a byte-order mark, which Inno Setup needs to read the Chinese below.

#ifndef AppVersion
  #error Give the version: iscc /DAppVersion=x.y.z
#endif
#ifndef BuildDir
  #define BuildDir "..\..\dist\GridOffice"
#endif

[Setup]
; The same AppId in every version: a new installer upgrades the installed program in place.
AppId={{6B1F3E0A-2C4D-4E8B-9A57-3D2F1C0B8E41}
AppName=网格通 GridOffice
AppVersion={#AppVersion}
AppVerName=网格通 GridOffice {#AppVersion}
AppPublisher=GridOffice
VersionInfoVersion={#AppVersion}
; Qt 6 runs on Windows 10 1809 (build 17763) or later, 64-bit only.
MinVersion=10.0.17763
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; For this Windows user without administrator rights (%LOCALAPPDATA%\Programs\GridOffice), or, if the
; installer is started as administrator and "all users" is chosen, C:\Program Files\GridOffice.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
DefaultDirName={autopf}\GridOffice
DefaultGroupName=网格通
DisableProgramGroupPage=yes
; A running copy is asked to close before its files are replaced (Windows' Restart Manager).
CloseApplications=yes
SetupIconFile=gridoffice.ico
UninstallDisplayIcon={app}\GridOffice.exe
UninstallDisplayName=网格通 GridOffice
OutputDir=..\..\dist
OutputBaseFilename=GridOffice-{#AppVersion}-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern

[Languages]
; Simplified Chinese where the compiler ships it (recent Inno Setup 6 releases do); else English.
#if FileExists(AddBackslash(CompilerPath) + "Languages\ChineseSimplified.isl")
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
#else
Name: "english"; MessagesFile: "compiler:Default.isl"
#endif

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[InstallDelete]
; An upgrade replaces the libraries whole: nothing of an older version stays beside the new one.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#BuildDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\网格通"; Filename: "{app}\GridOffice.exe"
Name: "{autodesktop}\网格通"; Filename: "{app}\GridOffice.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\GridOffice.exe"; Description: "{cm:LaunchProgram,网格通}"; Flags: nowait postinstall skipifsilent
