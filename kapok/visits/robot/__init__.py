"""Robot calls (机器人电访) as an integration with an outbound robot-call vendor.

- vendors.py: vendors and their shared secrets (stored encrypted, shown once); the simulated one.
- signing.py: HMAC-SHA256 with a timestamp, both ways (the protocol).
- batches.py: the day's robot tasks as a batch: a signed POST of JSON, or a CSV download.
- tasks.py: the background task that sends a batch.
- results.py: the webhook's work (check, store once, read, record the visit) and the review queue.
- reading.py: the one door to the transcript reader (kapok.needs.transcripts).
- alerts.py: emergencies: a human call-back task and an alert to the team leader.
- simulated.py: the demo's simulated vendor, answering through the webhook's code path.
- api.py, api_urls.py: POST /api/v1/robot/results.
"""
