-- grain: one row per editor decision on a week's issue or on one deal (approve, reject, drop,
-- keep, correct), whichever way it arrived: Prefect's input form, the review desk or the command line.
create table editor_decisions (
    decision_id varchar primary key,
    week varchar not null,
    deal_id varchar,
    action varchar not null,
    field varchar,
    value varchar,
    note varchar,
    editor varchar not null,
    via varchar not null,
    decided_at timestamp not null
);

comment on table editor_decisions is 'One row per editor decision on a week''s issue or one of its deals; every later render applies them (latest decision wins).';
comment on column editor_decisions.decision_id is 'Stable id: e- plus 16 hex characters of sha256 of the decision''s fields and time.';
comment on column editor_decisions.week is 'ISO week of the issue the decision was made on (YYYY-Www).';
comment on column editor_decisions.deal_id is 'Deal the decision is about; null for a decision on the whole issue (approve, reject).';
comment on column editor_decisions.action is 'approve or reject (the issue), drop or keep (a deal in that week''s issue), correct (a deal''s figure or title, in every week).';
comment on column editor_decisions.field is 'For correct: the field corrected (title, money_usd, mw, chips).';
comment on column editor_decisions.value is 'For correct: the corrected value as text.';
comment on column editor_decisions.note is 'The editor''s note.';
comment on column editor_decisions.editor is 'Who decided.';
comment on column editor_decisions.via is 'Where the decision arrived: prefect, review-desk or cli.';
comment on column editor_decisions.decided_at is 'When the decision was recorded (UTC).';
