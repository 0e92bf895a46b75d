"""The words and phrases the heuristic scoring looks for, and its delivery thresholds.

Phrases are in normalised form (lower case, punctuation as spaces: "I'd" is "i d") and
match as prefixes of words, like key point keywords.
"""

from __future__ import annotations

import re

SENTENCE_END = re.compile(r"[.!?]+")
# A capitalised word not at the start of a sentence: a name.
PROPER_NOUN = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-zA-Z]+")
# Code-like names: snake_case, dotted.names, camelCase, calls().
IDENTIFIER = re.compile(
    r"\b(?:[a-z]+_[a-z0-9_]+|[a-z]+\.[a-z_]+\w*|[a-z]+[A-Z]\w+|[A-Z][a-z]+[A-Z]\w+|\w+\(\))"
)

# --- STAR ---------------------------------------------------------------------------------
SITUATION = (
    "when i was", "at my last", "at my previous", "at my current", "at my first",
    "in my last", "in my previous", "in my current", "in my first", "last year", "last month",
    "last quarter", "last summer", "months ago", "years ago", "weeks ago", "a while ago",
    "we were", "our team", "the team was", "the project", "a project", "at the time",
    "i was working", "i was on", "i was a", "i was the", "i was leading", "there was a",
    "context", "background", "at a startup", "at a previous", "on a team", "our company",
    "the company", "a client", "our client", "during my", "back when", "one time",
    "in that situation", "in this situation", "if this happened", "depending on",
    "it depends", "first i would", "first i d", "i would start", "i d start", "find out",
    "clarify", "understand why", "understand the", "why it is", "what the impact",
)
TASK = (
    "my role was", "my job was", "my task was", "my responsibility", "i was responsible",
    "i was asked", "i was tasked", "i was in charge", "i needed to", "i had to",
    "we needed to", "we had to", "the goal was", "the task was", "the challenge was",
    "the problem was", "my goal", "our goal", "i owned", "my part was", "the aim was",
    "the deadline was", "i was supposed", "the priority", "my priority", "the goal would",
    "the most important", "my first priority", "the main risk",
)
RESULT = (
    "as a result", "the result", "result was", "in the end", "eventually", "ended up",
    "outcome", "since then", "afterwards", "after that", "which meant", "that meant",
    "it worked", "paid off", "we shipped", "we launched", "we delivered", "we finished",
    "we met", "we hit", "on time", "went from", "reduc", "cut the", "cut our", "improv",
    "increas", "saved", "dropped", "grew", "decreas", "lower", "faster", "fewer",
    "promoted", "the team now", "still use", "now use", "success would", "i would measure",
    "i d measure", "i would know", "i d know", "so that", "that way", "expect",
    "the outcome would", "resolved", "solved", "fixed", "worked out", "delivered", "shipped",
    "launched", "went live", "released", "completed", "cancelled", "canceled",
)
OWN_ACTION = (
    "i decided", "i wrote", "i talked", "i proposed", "i set", "i built", "i asked",
    "i organized", "i organised", "i called", "i fixed", "i would", "i d", "i will",
    "my part", "i did", "i made", "i took", "i started", "i spoke", "i suggested",
    "i scheduled", "i created", "i changed", "i added", "i led", "i reached out", "i met",
    "i sat down", "i explained", "i showed", "i paired", "i ran", "i went",
)
# Words between "I" and its verb that are not the verb.
ACTION_FILLERS = frozenset(
    """would d will ll then also first quickly personally immediately finally just actually
    eventually really always even still now later next carefully directly initially
    basically simply usually often generally normally sometimes typically soon""".split()
)
MODALS = frozenset({"would", "d", "will", "ll"})
# What follows "I" without being an action.
NOT_ACTIONS = frozenset(
    """was am m had have ve think thought guess mean feel felt know knew believe suppose
    hope like liked love want wanted wish don didn can could should might must would not
    never wasn isn re s be get got remember realized realised""".split()
)
# Past tenses without "-ed": a story tells what the speaker did.
IRREGULAR_PAST = frozenset(
    """wrote made took built ran met spoke sat led gave brought chose began found went did
    sent told set put drew kept read sought taught broke split rewrote won held said saw
    paid left lost became came caught cut dealt fought heard laid let meant overcame quit
    rose shut sold spent stood stuck understood forgot grew hung dug fed fled flew""".split()
)

# --- specifics and reasoning ---------------------------------------------------------
NUMBER_WORDS = frozenset(
    """two three four five six seven eight nine ten eleven twelve fifteen twenty thirty
    forty fifty sixty hundred hundreds thousand thousands million millions billion dozen
    dozens half double twice triple tenfold percent""".split()
)
EXAMPLES = (
    "for example", "for instance", "such as", "e g", "say we", "let s say", "like when",
    "in my last", "at my last", "at my previous", "last time", "one time", "in one case",
    "in practice", "in a project",
)
CONCRETE_STEPS = (
    "measur", "profil", "benchmark", "added", "add an", "add a", "wrote", "write a", "deploy",
    "migrat", "roll back", "rolled back", "revert", "bisect", "logged", "trac", "monitor",
    "alert", "refactor", "split", "cach", "index", "shard", "pair", "schedul", "document",
    "automat", "tested", "write tests", "built", "creat", "configur", "replac", "remov",
    "rewrote", "rewrite", "enabl", "disabl", "compar", "check", "reproduc", "instrument", "explain",
    "dashboard", "query", "set up", "set a", "limit",
)
REASONING = (
    "because", "which means", "that means", "trade off", "tradeoff", "downside", "the cost of",
    "at the cost", "depends on", "instead of", "rather than", "however", "otherwise",
    "the reason", "in order to", "the risk", "drawback", "which is why", "as long as",
    "unless", "whereas", "on the other hand", "the catch", "though", "not free",
    "aren t free", "isn t free", "the price", "only if", "only when", "worth it",
)
VAGUE = (
    "somehow", "stuff", "things like that", "and so on", "etc", "something like that",
    "whatever", "some kind of", "various things", "make it better", "make it faster",
    "do some", "look into it", "figure it out", "it depends on a lot",
)
TECH_NAMES = frozenset(
    """postgres postgresql mysql sqlite oracle redis memcached kafka rabbitmq sqs sns nginx
    docker kubernetes k8s aws gcp azure s3 lambda terraform pulumi ansible grafana
    prometheus datadog sentry pagerduty jira git github gitlab jenkins circleci python
    java golang javascript typescript node nodejs react vue angular svelte django flask
    fastapi spring pytest jest junit selenium playwright cypress elasticsearch mongodb
    dynamodb cassandra graphql grpc http https tls dns tcp udp cdn cloudflare webpack vite
    chrome devtools lighthouse pprof jvm valgrind strace tcpdump wireshark curl bash linux
    sql nosql oauth jwt lru bloom airflow spark pandas numpy bigquery snowflake dbt explain
    asyncio celery sidekiq bcrypt argon2 scrypt zgc g1 jstack jfr visualvm goroutine
    websocket websockets sse opentelemetry jaeger cprofile tracemalloc slack figma excel
    tableau looker redux zustand swr nextjs vault kms otel haproxy envoy istio helm""".split()
)

# --- clarity ---------------------------------------------------------------------------
FILLERS = (
    "um", "umm", "uh", "uhh", "erm", "er", "hmm", "ah", "eh", "mm", "you know", "i mean",
    "basically", "literally", "so yeah", "and stuff", "like like",
)
HEDGES = (
    "maybe", "probably", "i guess", "i suppose", "not sure", "perhaps", "kind of", "sort of",
    "i don t know", "dont know", "no idea", "or something", "somehow", "hopefully",
    "i think maybe", "might be",
)

# --- delivery (metrics from the live coach) -------------------------------------------
FAST_WPM = 175.0
SLOW_WPM = 90.0
MANY_FILLERS = 5.0  # per 100 words
LOW_EYE_CONTACT = 0.4
GOOD_EYE_CONTACT = 0.6
# Delivery never takes more than this off clarity, itself a tenth of the score.
MAX_DELIVERY_PENALTY = 1.5
