"""Builds and deploys a REST API through Tollgate's management API with boto3, as a script for AWS would.

The endpoint, region and credentials come from the environment (TOLLGATE_ENDPOINT, AWS_*). Prints what the test
checks as one JSON object.
"""
import json
import os

import boto3
from botocore.exceptions import ClientError

client = boto3.client("apigateway", endpoint_url=os.environ["TOLLGATE_ENDPOINT"])

api = client.create_rest_api(name="boto3", endpointConfiguration={"types": ["REGIONAL"]})
root = [r for r in client.get_resources(restApiId=api["id"])["items"] if r["path"] == "/"][0]
hello = client.create_resource(restApiId=api["id"], parentId=root["id"], pathPart="hello")
on_hello = {"restApiId": api["id"], "resourceId": hello["id"], "httpMethod": "GET"}
client.put_method(authorizationType="NONE", **on_hello)
client.put_integration(type="MOCK", requestTemplates={"application/json": '{"statusCode": 200}'}, **on_hello)
client.put_method_response(statusCode="200", **on_hello)
client.put_integration_response(statusCode="200", selectionPattern="",
                                responseTemplates={"application/json": '{"hello": "boto3"}'}, **on_hello)
deployment = client.create_deployment(restApiId=api["id"], stageName="prod", variables={"from": "boto3"})
stage = client.get_stage(restApiId=api["id"], stageName="prod")

try:
    client.get_rest_api(restApiId="nope")
    not_found = None
except ClientError as e:
    not_found = e.response["Error"]["Code"]

print(json.dumps({
    "apiId": api["id"],
    "deploymentId": deployment["id"],
    "stageDeploymentId": stage["deploymentId"],
    "variables": stage.get("variables"),
    "createdDateType": type(api["createdDate"]).__name__,
    "notFound": not_found,
}))
