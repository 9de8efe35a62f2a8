-- bench/wrk.lua: random requests from a list of paths, each as from a
-- random reader's address (X-Forwarded-For, which the module's servers
-- trust from 127.0.0.1 and look up in the GeoIP file; the others ignore
-- it).  Prints one machine-readable line at the end for bench/run.pl.
--
--   wrk -t1 -c16 -d5s --latency -s bench/wrk.lua http://127.0.0.1:PORT \
--       -- PATHS_FILE ADDRS_FILE SEED HOST [ENCODING]
--
-- ENCODING, when given, is sent as Accept-Encoding (the sitemaps: gzip,
-- as crawlers ask for them).
--
-- The requests are formatted once, in init(): wrk's one thread then only
-- picks one at random, so that it stays ahead of the fastest server.
-- Each path gets several addresses (up to 8, fewer for long lists, to
-- keep wrk's memory bounded), so that an article is read from several
-- regions, as the readership zone would see it.

local paths, addrs, reqs = {}, {}, {}
local npaths, naddrs, nreqs = 0, 0, 0

local function load(file, t)
    local n = 0
    for line in io.lines(file) do
        if line ~= "" then
            n = n + 1
            t[n] = line
        end
    end
    return n
end

function init(args)
    npaths = load(args[1], paths)
    naddrs = load(args[2], addrs)
    math.randomseed(tonumber(args[3] or "1"))
    if npaths == 0 or naddrs == 0 then
        error("wrk.lua: no paths in " .. args[1] .. " or no addresses")
    end
    local variants = math.max(1, math.min(8, math.floor(400000 / npaths)))
    local n = 0
    for i = 1, npaths do
        for _ = 1, variants do
            n = n + 1
            local headers = {
                ["Host"] = args[4] or wrk.host,
                ["X-Forwarded-For"] = addrs[math.random(naddrs)],
            }
            if args[5] and args[5] ~= "" then
                headers["Accept-Encoding"] = args[5]
            end
            reqs[n] = wrk.format("GET", paths[i], headers)
        end
    end
    nreqs = n
    paths = nil
end

function request()
    return reqs[math.random(nreqs)]
end

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        "BENCH requests=%d duration_us=%d rps=%.1f p50_us=%d p99_us=%d"
        .. " max_us=%d bytes=%d connect=%d read=%d write=%d status=%d"
        .. " timeout=%d\n",
        summary.requests, summary.duration,
        summary.requests / (summary.duration / 1e6),
        latency:percentile(50), latency:percentile(99), latency.max,
        summary.bytes, e.connect, e.read, e.write, e.status, e.timeout))
end
