echo "a home made from /etc/skel"
