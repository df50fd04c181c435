#!/usr/bin/python3
"""The real botocore (Debian's awscli 2.9.19) as a test peer for src/aws.

  botocore_peer.py sign         -> JSON list of requests botocore signs (captured before send)
  botocore_peer.py parse P FILE -> botocore's parse of an error response (P: ec2|sts|eks);
                                   FILE is JSON {status, headers, body}
  botocore_peer.py bench N      -> seconds per SigV4Auth.add_auth of an EC2 request
"""
import base64
import json
import sys
import time

sys.path.insert(0, '/usr/lib/python3/dist-packages')
import awscli.botocore.session  # noqa: E402  (must come first: sets up the vendored botocore)
from awscli.botocore import auth, parsers  # noqa: E402
from awscli.botocore.awsrequest import AWSRequest  # noqa: E402
from awscli.botocore.credentials import Credentials  # noqa: E402
from awscli.customizations.eks.get_token import STSClientFactory, TokenGenerator  # noqa: E402

AKID = 'AKIAV6KTEST000000001'
SECRET = 'v6k/Secret+Key/EXAMPLEKEY0000000000000000'
REGION = 'us-west-2'
ENDPOINT = 'http://localhost:4566'


class Captured(Exception):
    pass


def session():
    s = awscli.botocore.session.get_session()
    s.set_credentials(AKID, SECRET)
    return s


def capture(service, call):
    client = session().create_client(service, region_name=REGION, endpoint_url=ENDPOINT)
    seen = []

    def before_send(request, **kwargs):
        seen.append(request)
        raise Captured()

    client.meta.events.register('before-send', before_send)
    try:
        call(client)
    except Captured:
        pass
    r = seen[0]
    body = r.body or b''
    if isinstance(body, str):
        body = body.encode('utf-8')
    headers = []
    for k, v in r.headers.items():
        headers.append([k, v.decode('utf-8') if isinstance(v, bytes) else v])
    return {'url': r.url, 'method': r.method, 'headers': headers,
            'body': base64.b64encode(body).decode()}


def sign():
    out = []

    def add(name, service, call):
        req = capture(service, call)
        req['name'] = name
        req['service'] = service
        out.append(req)

    add('ec2-create-vpc', 'ec2', lambda c: c.create_vpc(
        CidrBlock='10.0.0.0/16', AmazonProvidedIpv6CidrBlock=True))
    add('ec2-describe-instances', 'ec2', lambda c: c.describe_instances(Filters=[
        {'Name': 'instance-state-name', 'Values': ['running', 'pending']},
        {'Name': 'tag:Name', 'Values': ['n\u00f6de & <x> +1 ~/%']}]))
    add('ec2-run-instances', 'ec2', lambda c: c.run_instances(
        ImageId='ami-0123456789abcdef0', InstanceType='t3.medium', MinCount=1, MaxCount=1,
        TagSpecifications=[{'ResourceType': 'instance',
                            'Tags': [{'Key': 'Name', 'Value': '\u6d4b\u8bd5 node'}]}]))
    add('eks-list-clusters', 'eks', lambda c: c.list_clusters(maxResults=5))
    add('eks-describe-cluster', 'eks', lambda c: c.describe_cluster(name='my-cluster'))
    add('eks-create-cluster', 'eks', lambda c: c.create_cluster(
        name='my-cluster', roleArn='arn:aws:iam::000000000000:role/eks',
        resourcesVpcConfig={'subnetIds': ['subnet-1', 'subnet-2']},
        kubernetesNetworkConfig={'ipFamily': 'ipv6'}, version='1.21'))
    add('eks-delete-nodegroup', 'eks', lambda c: c.delete_nodegroup(
        clusterName='my-cluster', nodegroupName='ng 1'))
    add('sts-get-caller-identity', 'sts', lambda c: c.get_caller_identity())

    # What `aws eks get-token --cluster-name my-cluster` prints, made by the CLI's own code.
    sts = STSClientFactory(session()).get_sts_client(region_name=REGION)
    token = TokenGenerator(sts).get_token('my-cluster')
    out.append({'name': 'eks-get-token', 'service': 'sts', 'token': token,
                'cluster': 'my-cluster'})
    json.dump(out, sys.stdout)


def parse(protocol, path):
    with open(path) as f:
        resp = json.load(f)
    model = session().get_service_model(protocol)
    parser = parsers.create_parser(model.metadata['protocol'])
    parsed = parser.parse({'status_code': resp['status'], 'headers': resp['headers'],
                           'body': resp['body'].encode('utf-8')}, None)
    json.dump(parsed, sys.stdout, default=str)


def bench(n):
    creds = Credentials(AKID, SECRET)
    body = 'Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=instance-state-name' \
           '&Filter.1.Value.1=running'
    signer = auth.SigV4Auth(creds, 'ec2', REGION)
    start = time.perf_counter()
    for _ in range(n):
        r = AWSRequest(method='POST', url=ENDPOINT + '/', data=body, headers={
            'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8'})
        signer.add_auth(r)
    print('%.9f' % ((time.perf_counter() - start) / n))


if __name__ == '__main__':
    if sys.argv[1] == 'sign':
        sign()
    elif sys.argv[1] == 'parse':
        parse(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == 'bench':
        bench(int(sys.argv[2]))
