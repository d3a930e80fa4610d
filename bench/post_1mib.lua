-- wrk script for bench/run's POST echo row: every request POSTs the same 1 MiB (1,048,576 bytes)
-- body to bench/apps/post_echo.py, which sends it back.
wrk.method = "POST"
wrk.body = string.rep("x", 1024 * 1024)
wrk.headers["Content-Type"] = "application/octet-stream"
