#!/usr/bin/env python3
"""Generates core/data/wordlist.txt, dnsglean's bundled default wordlist.

How it was made: written for dnsglean from scratch, not copied or derived
from any published list. The small word groups below are hand-written from
common host naming conventions (service names, environment names, cloud
regions and city/airport-style location codes, numbered hosts); the script
then combines them (env-service and service-env, service-region,
service+digit, role+two-digit number). Order: plain service names first,
then environments, locations, numbered hosts and combinations, so a
truncated list keeps the most likely labels. Deterministic: running it
again gives the same file (a ctest checks that the committed file is up to
date).

  python3 scripts/gen-wordlist.py > core/data/wordlist.txt
"""
import re
import sys

# Services and roles, roughly most common first.
SERVICES = """
www mail api dev test vpn remote webmail smtp imap pop pop3 mx ns ns1 ns2 dns
ftp sftp portal admin blog shop store app apps m mobile static cdn assets img
images media files download downloads docs doc wiki help support status
login sso auth id identity accounts account oauth secure my
git gitlab svn repo jenkins ci cd build builds jira confluence bitbucket
sonar sonarqube nexus artifactory registry docker harbor k8s kube kubernetes
rancher openshift argocd argo helm
intranet extranet internal corp office owa exchange autodiscover
lyncdiscover sip lync teams meet video chat im xmpp jabber voip pbx phone
citrix rdp rds gateway gw proxy relay vdi horizon workspace
db sql mysql postgres postgresql pg mssql oracle redis mongo mongodb
cassandra couchdb elastic elasticsearch kibana logstash grafana prometheus
alertmanager monitor monitoring nagios zabbix icinga logs log syslog splunk
metrics dashboard stats analytics tracking
crm erp hr payroll finance billing pay payment payments checkout invoice
cart order orders shop2 catalog
news events careers jobs marketing promo press media2 community forum
forums partners partner vendor vendors customer customers client clients
members member learn training academy edu
demo sandbox lab labs research beta alpha preview old new legacy archive
mirror mirrors update updates packages npm pypi maven
search solr graphql rest ws websocket socket push notify notifications
mq rabbitmq kafka queue worker workers cron scheduler batch etl data
bi reports report ml ai gpu compute node host server srv web
ssl tls cert certs pki ca ocsp crl ntp time
email lists list newsletter survey forms upload uploads share sharepoint
files2 cloud s3 storage backup backups vault secrets keys kms
console manage management cpanel whm plesk webdisk panel control
nas san vm vmware vcenter esxi hyperv proxmox ipmi idrac ilo bmc kvm oob
mgmt router switch fw firewall lb haproxy nginx apache iis tomcat
print printer scan cam camera cctv
ldap ad dc adfs radius kerberos
mdm intune jamf
webapp website site sites home start go link links url short
img2 video2 stream streaming live tv radio
api2 app2 web2 www2 mail2 ns3 ns4 mx1 mx2 smtp2 vpn2
""".split()

ENVS = """
dev test stage staging prod qa uat preprod prd stg tst develop development
production testing int integration perf load dr canary pilot sbx
""".split()

# Cloud-style regions and location codes (airport/city style).
REGIONS = """
us eu uk de fr nl se ch it es pl jp cn in au ca br sg hk kr za ie
east west north south central
us-east us-west us-central eu-west eu-central eu-north eu-south
ap-south ap-southeast ap-northeast ap-east sa-east ca-central me-south af-south
nyc lon fra ams par sfo lax sea chi dal atl mia tor syd sin tok hkg bom dub
mad mil sto waw zrh vie
""".split()

# Roles that are numbered (web01, web1, ...), with how many.
NUMBERED = [
    ("web", 20), ("www", 4), ("ns", 4), ("dns", 4), ("mx", 5), ("mail", 5),
    ("smtp", 4), ("imap", 2), ("db", 10), ("app", 10), ("api", 4),
    ("srv", 20), ("server", 10), ("host", 10), ("node", 10), ("vpn", 4),
    ("dc", 4), ("proxy", 4), ("lb", 4), ("fw", 4), ("gw", 4), ("vm", 10),
    ("k8s", 4), ("worker", 10), ("cache", 4), ("sql", 4), ("ftp", 2),
    ("test", 4), ("dev", 4), ("build", 4), ("ci", 4), ("git", 2), ("es", 4),
    ("kafka", 4), ("redis", 4), ("mongo", 4), ("backup", 4), ("nas", 4),
    ("esx", 10), ("esxi", 10), ("exchange", 4), ("owa", 2), ("sip", 2),
    ("rdp", 4), ("ts", 4), ("citrix", 4), ("print", 4), ("edge", 4),
    ("cdn", 4), ("static", 4), ("img", 4), ("s", 10), ("w", 10), ("m", 4),
]

# Services combined with environments and regions (the commonest ones).
COMBO_SERVICES = """
api app www web admin portal auth sso login mail vpn git ci jenkins db
static cdn assets docs status shop m mobile gateway gw proxy lb k8s
grafana kibana monitor logs backend frontend ws graphql search data
""".split()
COMBO_ENVS = "dev test stage staging prod qa uat preprod int sandbox demo beta".split()
REGION_SERVICES = "api app www web cdn static vpn mail gw lb k8s db s3 edge".split()
REGION_SHORT = [r for r in REGIONS if "-" in r or len(r) == 2][:40]

LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


def words():
    yield from SERVICES
    yield from ENVS
    yield from REGIONS
    for r in REGIONS:
        if "-" in r:
            yield r + "-1"
            yield r + "-2"
    for role, n in NUMBERED:
        for i in range(1, n + 1):
            yield "%s%02d" % (role, i)
        for i in range(1, min(n, 10) + 1):
            yield "%s%d" % (role, i)
        for i in range(1, min(n, 4) + 1):
            yield "%s-%d" % (role, i)
    for e in COMBO_ENVS:
        for s in COMBO_SERVICES:
            yield "%s-%s" % (e, s)
            yield "%s-%s" % (s, e)
    for e in COMBO_ENVS[:6]:
        for s in COMBO_SERVICES[:12]:
            yield "%s%s" % (e, s)
            yield "%s%s" % (s, e)
    for s in REGION_SERVICES:
        for r in REGION_SHORT:
            yield "%s-%s" % (s, r)
            yield "%s-%s" % (r, s)
    for s in COMBO_SERVICES:
        for d in range(2, 4):
            yield "%s%d" % (s, d)
    for e in COMBO_ENVS:
        for d in range(1, 4):
            yield "%s%d" % (e, d)
            yield "%s-%d" % (e, d)


def main():
    seen = set()
    out = []
    for w in words():
        w = w.lower()
        if w in seen:
            continue
        if not LABEL.match(w):
            sys.exit("gen-wordlist: invalid label %r" % w)
        seen.add(w)
        out.append(w)
    sys.stdout.write("".join(w + "\n" for w in out))


if __name__ == "__main__":
    main()
