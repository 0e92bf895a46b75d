"""The skills the local interviewer recognises in job descriptions and résumés: a name, the
words that name it (matched like the bank's keywords, so each spelling is listed) and the
question-bank areas that exercise it, most fitting first. Data only."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from .text import Keyword, keywords


@dataclass(frozen=True)
class Skill:
    name: str
    words: tuple[Keyword, ...]
    areas: tuple[str, ...]


# (name, words, areas)
_SKILLS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("Python", ("python", "django", "flask", "fastapi", "pandas"), ("python", "coding")),
    ("JavaScript", ("javascript", "ecmascript", "node js", "nodejs", "node.js"), ("javascript", "web")),
    ("TypeScript", ("typescript",), ("javascript", "web")),
    ("React", ("react", "react js", "reactjs", "next js", "nextjs"), ("javascript", "web")),
    ("Vue or Angular", ("vue", "vuejs", "angular"), ("javascript", "web")),
    ("HTML and CSS", ("html", "css", "sass", "tailwind"), ("web", "javascript")),
    ("Java", ("java", "spring", "spring boot", "jvm"), ("java",)),
    ("Kotlin", ("kotlin",), ("java",)),
    ("Go", ("golang", "go lang"), ("go",)),
    ("C#/.NET", ("c sharp", "dotnet", "net core", "asp net"), ("code-quality", "system-design")),
    ("SQL", ("sql", "relational database", "query optimization", "query optimisation"), ("databases",)),
    ("PostgreSQL", ("postgresql", "postgres"), ("databases",)),
    ("MySQL", ("mysql", "mariadb"), ("databases",)),
    ("MongoDB", ("mongodb", "mongo"), ("databases",)),
    ("Redis", ("redis", "memcached"), ("system-design", "databases")),
    ("Caching", ("caching", "cache", "cdn"), ("system-design", "web")),
    ("Kafka", ("kafka",), ("system-design", "data")),
    ("Message queues", ("rabbitmq", "message queue", "sqs", "pub sub", "pubsub", "event driven"),
     ("system-design",)),
    ("Microservices", ("microservice", "service oriented"), ("system-design",)),
    ("Distributed systems", ("distributed system", "scalability", "high availability",
                             "fault tolerance"), ("system-design",)),
    ("REST APIs", ("restful", "rest api", "http api", "openapi"), ("web", "system-design")),
    ("GraphQL", ("graphql",), ("web",)),
    ("gRPC", ("grpc", "protobuf", "protocol buffers"), ("system-design", "web")),
    ("Kubernetes", ("kubernetes", "k8s", "helm"), ("devops",)),
    ("Docker", ("docker", "container"), ("devops",)),
    ("AWS", ("aws", "amazon web services", "lambda", "ec2", "s3"), ("devops", "system-design")),
    ("Google Cloud", ("gcp", "google cloud", "bigquery"), ("devops", "data")),
    ("Azure", ("azure",), ("devops",)),
    ("Terraform", ("terraform", "infrastructure as code", "ansible", "pulumi"), ("devops",)),
    ("CI/CD", ("ci cd", "continuous integration", "continuous delivery", "continuous deployment",
               "github actions", "jenkins", "gitlab ci"), ("devops", "testing")),
    ("Linux", ("linux", "unix", "bash", "shell scripting"), ("devops", "debugging")),
    ("Observability", ("observability", "monitoring", "prometheus", "grafana", "opentelemetry",
                       "datadog", "logging", "alerting"), ("devops", "debugging")),
    ("Incident response", ("on call", "incident", "postmortem", "sre"), ("devops", "debugging")),
    ("Testing", ("unit test", "integration test", "test automation", "tdd", "pytest", "jest",
                 "cypress", "playwright", "testing"), ("testing",)),
    ("Security", ("security", "owasp", "oauth", "authentication", "authorization",
                  "encryption", "vulnerabilit"), ("security",)),
    ("Performance", ("performance", "latency", "profiling", "optimization", "optimisation",
                     "throughput"), ("debugging", "system-design")),
    ("Concurrency", ("concurrency", "multithreading", "multi threading", "async", "asyncio",
                     "parallelism", "threads"), ("concurrency", "python")),
    ("Algorithms and data structures", ("algorithm", "data structure", "complexity"),
     ("algorithms", "coding")),
    ("Data pipelines", ("etl", "elt", "data pipeline", "airflow", "spark", "dbt", "data warehouse"),
     ("data", "databases")),
    ("Machine learning", ("machine learning", "ml", "pytorch", "tensorflow", "scikit",
                          "deep learning"), ("python", "data")),
    ("System design", ("system design", "architecture", "architect", "design system"),
     ("system-design",)),
    ("Code review", ("code review", "clean code", "refactoring", "maintainab"),
     ("code-quality",)),
    ("Git", ("git", "version control"), ("code-quality",)),
    ("Agile", ("agile", "scrum", "kanban", "sprint"), ("priorities", "collaboration")),
    ("Mentoring", ("mentor", "coach", "coaching", "onboard"), ("mentoring", "leadership")),
    ("Leadership", ("leadership", "tech lead", "team lead", "lead a team", "people manager"),
     ("leadership", "strategy")),
    ("Stakeholder communication", ("stakeholder", "cross functional", "communication",
                                   "product manager", "customer"), ("communication", "customer")),
    ("Ownership", ("ownership", "end to end", "autonomy", "self starter"), ("ownership",)),
)


@cache
def known_skills() -> tuple[Skill, ...]:
    return tuple(Skill(name, keywords(words), areas) for name, words, areas in _SKILLS)
