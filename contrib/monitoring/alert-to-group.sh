#!/bin/sh
# alert-to-group.sh - a monitoring alert texted to every phone of a group
#
# Set the group up once (as the user smsgw and smsctl run as):
#   smsctl contacts add alice +12025550143
#   smsctl contacts add bob +12025550144
#   smsctl groups add oncall alice bob
# Then any monitoring system that can mail (Nagios, Zabbix, cron, a
# script like this one) texts the whole group by mailing the group's
# address. Auto-Submitted: auto-generated is texted (alerts are what
# people want on their phones); vacation replies and bounces never are.
#
# Usage: alert-to-group.sh HOST SERVICE STATE [MESSAGE]
host=$1 service=$2 state=$3
shift 3
/usr/sbin/sendmail -t <<MAIL
From: monitoring@example.com
To: oncall@sms.example.com
Subject: $state $host/$service
Auto-Submitted: auto-generated

${*:-$service on $host is $state.}
MAIL
