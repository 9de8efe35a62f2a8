-- bench/site.lua: the traffic of a news site, for bench/site.pl (make
-- bench-site).  Each request is, at random:
--
--   80%  a reader's article, by Zipf(1.0) over the articles' ranks
--   10%  a reader's share link to an article, by the same Zipf ranks
--    5%  a reader's category or home page, uniformly
--    5%  a crawler's article, uniformly over the whole archive
--
--   wrk -t2 -c32 -d60s --latency -s bench/site.lua http://127.0.0.1:PORT \
--       -- ARTICLES LISTS ADDRS SEED HOST [THINK_MS]
--
-- ARTICLES: the articles' paths, most popular first (rank 1 is the first
-- line: bench/site.pl writes them in a fixed random order); a share link
-- is /html_News/NewsShare.html?infoCode=<the article's code>.  LISTS:
-- the category and home pages.  ADDRS: the readers' addresses, sent as
-- X-Forwarded-For; the crawler comes from a few addresses of its own,
-- with Googlebot's User-Agent, the readers with a browser's.
--
-- Thread i draws from a generator seeded with SEED * 1000 + i: the same
-- SEED makes the same sequence of requests on each thread, whatever the
-- server.  The Zipf CDF is made once per thread and sampled by binary
-- search.  THINK_MS, when given, is each connection's mean pause
-- between an answer and its next request (wrk's delay(), whole
-- milliseconds, drawn so that their mean is THINK_MS): a rate below what
-- the server can take, the same for every server, instead of as fast as
-- it answers.  The last line is one machine-readable result for site.pl.

local READER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36"
    .. " (KHTML, like Gecko) Chrome/124.0 Safari/537.36"
local CRAWLER_UA = "Mozilla/5.0 (compatible; Googlebot/2.1;"
    .. " +http://www.google.com/bot.html)"

local threads = {}
local counter = 0

function setup(thread)
    counter = counter + 1
    thread:set("thread_no", counter)
    threads[counter] = thread
end

local articles, lists = {}, {}
local narticles, nlists = 0, 0
local reader_tails, crawler_tails = {}, {}
local nreaders, ncrawlers = 0, 0
local cdf = {}
local random = math.random
local floor = math.floor

-- counted per thread, summed by done()
n_article, n_share, n_list, n_crawl = 0, 0, 0, 0

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

local function tail(host, ua, addr)
    return " HTTP/1.1\r\nHost: " .. host .. "\r\nUser-Agent: " .. ua
        .. "\r\nAccept: text/html\r\nX-Forwarded-For: " .. addr
        .. "\r\n\r\n"
end

function init(args)
    narticles = load(args[1], articles)
    nlists = load(args[2], lists)
    local addrs = {}
    local naddrs = load(args[3], addrs)
    local seed = tonumber(args[4] or "1")
    local host = args[5] or wrk.host

    if narticles == 0 or nlists == 0 or naddrs == 0 then
        error("site.lua: no articles, lists or addresses")
    end

    math.randomseed(seed * 1000 + (thread_no or 0))

    local think = tonumber(args[6] or "")
    if think and think > 0 then
        local whole = floor(think)
        local part = think - whole
        delay = function()
            return whole + (random() < part and 1 or 0)
        end
    end

    -- the request's bytes after the path, one for each address
    for i = 1, naddrs do
        reader_tails[i] = tail(host, READER_UA, addrs[i])
    end
    nreaders = naddrs
    for i = 1, 16 do
        crawler_tails[i] = tail(host, CRAWLER_UA, "66.249.66." .. i)
    end
    ncrawlers = 16

    -- Zipf(1.0): P(rank k) = (1/k) / H(N); cdf[k] = H(k)
    local h = 0
    for k = 1, narticles do
        h = h + 1 / k
        cdf[k] = h
    end
end

-- the rank whose cdf first reaches u * H(N)
local function zipf_rank()
    local u = random() * cdf[narticles]
    local lo, hi = 1, narticles
    while lo < hi do
        local mid = floor((lo + hi) / 2)
        if cdf[mid] < u then
            lo = mid + 1
        else
            hi = mid
        end
    end
    return lo
end

function request()
    local r = random()

    if r < 0.80 then
        n_article = n_article + 1
        return "GET " .. articles[zipf_rank()]
            .. reader_tails[random(nreaders)]
    elseif r < 0.90 then
        n_share = n_share + 1
        local code = articles[zipf_rank()]:match("([^/]+)%.html$")
        return "GET /html_News/NewsShare.html?infoCode=" .. code
            .. reader_tails[random(nreaders)]
    elseif r < 0.95 then
        n_list = n_list + 1
        return "GET " .. lists[random(nlists)]
            .. reader_tails[random(nreaders)]
    else
        n_crawl = n_crawl + 1
        return "GET " .. articles[random(narticles)]
            .. crawler_tails[random(ncrawlers)]
    end
end

function done(summary, latency, requests)
    local a, s, l, c = 0, 0, 0, 0
    for _, t in ipairs(threads) do
        a = a + (t:get("n_article") or 0)
        s = s + (t:get("n_share") or 0)
        l = l + (t:get("n_list") or 0)
        c = c + (t:get("n_crawl") or 0)
    end
    local e = summary.errors
    io.write(string.format(
        "BENCH requests=%d duration_us=%d rps=%.1f p50_us=%d p90_us=%d"
        .. " p99_us=%d max_us=%d bytes=%d connect=%d read=%d write=%d"
        .. " status=%d timeout=%d picked_article=%d picked_share=%d"
        .. " picked_list=%d picked_crawl=%d\n",
        summary.requests, summary.duration,
        summary.requests / (summary.duration / 1e6),
        latency:percentile(50), latency:percentile(90),
        latency:percentile(99), latency.max,
        summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
        a, s, l, c))
end
