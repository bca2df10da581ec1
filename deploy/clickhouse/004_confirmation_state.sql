-- Where each case's judicial confirmation stands: the last of its requests and the court's answers,
-- or a lapse (the court left a request unanswered past its due day: docs/rules.md M15). The
-- dashboard's overdue confirmations are the open cases whose last word is a lapse, and those still
-- waiting in CONFIRMATION past the due day (a lapse not yet recorded).
CREATE OR REPLACE VIEW confirmation_state AS
SELECT case_id, argMax(event_type, (occurred_at, src_offset)) AS last_confirmation_event
FROM case_events FINAL
WHERE event_type IN ('ConfirmationRequested', 'ConfirmationGranted', 'ConfirmationDenied', 'ConfirmationLapsed')
GROUP BY case_id;
