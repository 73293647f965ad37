"""The dialogs, one module per area (the package itself imports nothing, so opening one dialog
loads only its own module):

- `common`: the last confirmation before a change, where to save a file, OK/Cancel, small inputs;
- `write`: `WriteDialog`, a form whose OK runs one core write and shows the core's refusal in place;
- `office`: a new office and the first start;
- `household`: a household's fields and unit, its head, members leaving or dying;
- `household_moves`: splitting, merging, a member transferred to another household;
- `tags`: a person's population tags and the office's own registers;
- `org`: units (new, renamed, moved); `staff`: staff, teams and their members;
- `matters`: intake, each step of a matter, the matter settings;
- `visits`: visits, work logs, comments, needs, the visit rules; `fast_entry`: a paper week of visits;
- `import_wizard`: a roster or a special-group list imported step by step;
- `person`: a person's fields (`PersonForm`); `reveal`: showing a full number, with its reason;
- `login`: the log-in and the recovery code; `users`: accounts and their staff member;
- `backup`, `package`, `assessment`, `manual`: backups and restore, the package sent up, the
  assessment template, the manual.
"""
